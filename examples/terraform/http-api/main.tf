# An HTTP API behind the Clerk authorizer: a REQUEST authorizer, payload format 2.0, simple
# responses. Apply after scripts/package (README.md next to this file).

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
  function_name         = "clerk-authorizer-http-api"
  clerk_jwt_key         = var.clerk_jwt_key
  clerk_publishable_key = var.clerk_publishable_key
  authorized_parties    = var.authorized_parties
  access_rules          = var.access_rules
  # Must agree with enable_simple_responses below: simple answers {"isAuthorized": …}, which
  # API Gateway reads only when simple responses are on (policy answers need them off).
  http_api_response = "simple"
}

resource "aws_apigatewayv2_api" "api" {
  name          = "tasks-http-api"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_authorizer" "clerk" {
  api_id                            = aws_apigatewayv2_api.api.id
  name                              = "clerk"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = module.clerk_authorizer.invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  # A simple response is decided for one route and cached for the identity sources: with
  # $context.routeKey among them, each route gets its own cached answer. The greedy route
  # below has one route key for every path under /tasks/, so one answer covers them all:
  # give it rules that treat every such path alike, or split it into routes.
  identity_sources                 = ["$request.header.Authorization", "$context.routeKey"]
  authorizer_result_ttl_in_seconds = 60
}

# Only this API's authorizer may invoke the function.
resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowTasksHttpApiAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = module.clerk_authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.api.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.clerk.id}"
}

resource "aws_apigatewayv2_integration" "backend" {
  api_id                 = aws_apigatewayv2_api.api.id
  integration_type       = "AWS_PROXY"
  integration_uri        = var.backend_function_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "tasks" {
  for_each           = toset(["GET /tasks", "ANY /tasks/{proxy+}"])
  api_id             = aws_apigatewayv2_api.api.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.backend.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.clerk.id
}

resource "aws_apigatewayv2_stage" "default" {
  #checkov:skip=CKV_AWS_76:Access logging needs a log group and a format of your choosing; the authorizer logs every decision in its own log group.
  api_id      = aws_apigatewayv2_api.api.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_lambda_permission" "backend" {
  statement_id  = "AllowTasksHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = var.backend_function_arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.api.execution_arn}/*"
}

output "api_url" {
  value = aws_apigatewayv2_stage.default.invoke_url
}
