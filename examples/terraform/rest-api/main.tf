# A REST API behind the Clerk authorizer: a TOKEN authorizer on the Authorization header, whose
# IAM policy lists every route the caller may call, so one cached answer is right on every
# route. Apply after scripts/package (README.md next to this file).

terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }
}

variable "clerk_jwt_key" {
  type        = string
  sensitive   = true
  description = "PEM public key from the Clerk dashboard (API keys → Show JWT public key → PEM Public Key)."
}

variable "clerk_publishable_key" {
  type        = string
  description = "pk_live_… or pk_test_…: sets the issuer to check and the app's session cookie."
}

variable "authorized_parties" {
  type        = string
  description = "Comma-separated origins of your front end, e.g. https://app.example.com."
}

variable "access_rules" {
  type        = string
  default     = "[{\"routes\": [\"GET /tasks\", \"GET /tasks/*\"]}]"
  description = "ACCESS_RULES (docs/configuration.md)."
}

variable "backend_function_arn" {
  type        = string
  description = "The function behind the API: your existing integration."
}

variable "package_path" {
  type        = string
  default     = "../../../target/lambda/authorizer/bootstrap.zip"
  description = "The authorizer's zip from scripts/package."
}

module "clerk_authorizer" {
  source = "../modules/clerk-authorizer"

  package_path          = var.package_path
  function_name         = "clerk-authorizer-rest-api"
  clerk_jwt_key         = var.clerk_jwt_key
  clerk_publishable_key = var.clerk_publishable_key
  authorized_parties    = var.authorized_parties
  access_rules          = var.access_rules
}

resource "aws_api_gateway_rest_api" "api" {
  name = "tasks-rest-api"
  lifecycle {
    create_before_destroy = true
  }
}

# TOKEN: API Gateway caches the answer per Authorization header, for every route. The policy
# names each route the caller may call, so the cache stays right; with {proxy+} the methodArn
# carries the real path, and rules such as "GET /tasks/*" match it.
resource "aws_api_gateway_authorizer" "clerk" {
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  name                             = "clerk"
  type                             = "TOKEN"
  authorizer_uri                   = module.clerk_authorizer.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = 60
}

# Only this API's authorizer may invoke the function.
resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowTasksRestApiAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = module.clerk_authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/authorizers/${aws_api_gateway_authorizer.clerk.id}"
}

resource "aws_api_gateway_resource" "tasks" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "tasks"
}

resource "aws_api_gateway_resource" "task" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.tasks.id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "tasks" {
  #checkov:skip=CKV2_AWS_53:A proxy method hands the whole request to the backend, which validates its body; the authorizer validates the credential.
  for_each      = { tasks = aws_api_gateway_resource.tasks.id, task = aws_api_gateway_resource.task.id }
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = each.value
  http_method   = "ANY"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.clerk.id
}

resource "aws_api_gateway_integration" "tasks" {
  for_each                = aws_api_gateway_method.tasks
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = each.value.resource_id
  http_method             = each.value.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${data.aws_region.current.region}:lambda:path/2015-03-31/functions/${var.backend_function_arn}/invocations"
}

data "aws_region" "current" {}

resource "aws_api_gateway_deployment" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  triggers = {
    redeployment = sha1(jsonencode([aws_api_gateway_method.tasks, aws_api_gateway_integration.tasks]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "prod" {
  #checkov:skip=CKV_AWS_76:Access logging needs a log group and a format of your choosing; the authorizer logs every decision in its own log group.
  #checkov:skip=CKV_AWS_120:Caching the integration's responses is a choice per API; the authorizer's answers are cached per token already.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to a backend reached over HTTP; this backend is a Lambda proxy integration.
  #checkov:skip=CKV2_AWS_4:Execution logging needs the account-wide API Gateway CloudWatch role (aws_api_gateway_account), a choice per account; the authorizer logs each decision itself.
  #checkov:skip=CKV2_AWS_29:A WAF web ACL is a choice per account and costs a monthly fee; the authorizer refuses unauthenticated calls before the backend runs.
  rest_api_id          = aws_api_gateway_rest_api.api.id
  deployment_id        = aws_api_gateway_deployment.api.id
  stage_name           = "prod"
  xray_tracing_enabled = true
}

resource "aws_lambda_permission" "backend" {
  statement_id  = "AllowTasksRestApi"
  action        = "lambda:InvokeFunction"
  function_name = var.backend_function_arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*/tasks*"
}

output "api_url" {
  value = aws_api_gateway_stage.prod.invoke_url
}
