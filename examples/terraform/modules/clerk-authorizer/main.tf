# The Clerk authorizer function, its role, its log group and (on request) an empty secret for
# the Clerk secret key: authorizer/template.yaml in Terraform. alarms.tf holds the alarms and
# the dashboard.

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  create_secret = var.create_clerk_secret && var.clerk_secret_key_arn == ""
  has_secret    = var.clerk_secret_key_arn != "" || local.create_secret
  secret_arn    = local.create_secret ? aws_secretsmanager_secret.clerk[0].arn : var.clerk_secret_key_arn
  # Clerk over the network (a secret or a JWKS URL): only the latency alarm's default and the
  # Clerk alarms depend on it. The function is the same resource either way.
  networked = local.has_secret || var.clerk_jwks_url != ""

  # The function's settings, as the SAM stack passes them. Secrets are passed by ARN, never by
  # value: the function reads them from Secrets Manager at cold start.
  environment = {
    CLERK_JWT_KEY                = var.clerk_jwt_key
    JWT_ISSUER                   = var.clerk_issuer
    AUTHORIZED_PARTIES           = var.authorized_parties
    ACCESS_RULES                 = var.access_rules
    ACCESS_RULES_FILE            = var.access_rules_file
    ACCEPTED_TOKENS              = var.accepted_tokens
    MACHINE_ID                   = var.machine_id
    OAUTH_AUDIENCE               = var.oauth_audience
    CLERK_PUBLISHABLE_KEY        = var.clerk_publishable_key
    METRICS_NAMESPACE            = var.metrics_namespace
    HTTP_API_RESPONSE            = var.http_api_response
    USAGE_IDENTIFIER             = var.usage_identifier
    USAGE_KEY_PREFIX             = var.usage_key_prefix
    CLERK_SECRET_KEY_ARN         = local.has_secret ? local.secret_arn : ""
    CLERK_MACHINE_SECRET_KEY_ARN = local.has_secret ? var.clerk_machine_secret_key_arn : ""
    CLERK_JWKS_URL               = var.clerk_jwks_url
    CLERK_API_URL                = var.clerk_api_url
  }
}

resource "aws_lambda_function" "authorizer" {
  #checkov:skip=CKV_AWS_116:API Gateway invokes authorizers synchronously; a dead-letter queue only receives asynchronous events.
  #checkov:skip=CKV_AWS_117:Its only calls, when enabled, are to Clerk's public HTTPS API and Secrets Manager; a VPC would need a NAT gateway to reach Clerk, adding cold-start time and cost and protecting nothing.
  #checkov:skip=CKV_AWS_173:The environment holds a public key, a secret's ARN (never its value) and non-secret settings; Lambda encrypts it at rest with an AWS-managed key.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the authorizer_reserved_concurrency variable; null leaves it unreserved, because 0 would throttle every call.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile and a signed zip, which scripts/package does not produce; the zip's SHA-256 is in target/lambda/SHA256SUMS.
  function_name    = var.function_name
  description      = "Verifies Clerk session, M2M and OAuth tokens and API keys and returns cache-safe policies"
  role             = aws_iam_role.authorizer.arn
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = 128
  # A call to Clerk ends within 3.5 s (timeouts and one retry): well inside this.
  timeout                        = 6
  reserved_concurrent_executions = var.authorizer_reserved_concurrency == null ? -1 : var.authorizer_reserved_concurrency
  layers                         = var.rules_layer_arn == "" ? [] : [var.rules_layer_arn]

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  logging_config {
    log_format            = "JSON"
    application_log_level = var.log_level
    system_log_level      = "WARN"
    log_group             = aws_cloudwatch_log_group.authorizer.name
  }

  environment {
    variables = local.environment
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.basic_execution]
}

# An explicit log group, so logs are kept log_retention_days and not forever.
resource "aws_cloudwatch_log_group" "authorizer" {
  #checkov:skip=CKV_AWS_158:A customer-managed key is the logs_kms_key_arn variable; blank keeps CloudWatch Logs' own encryption.
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default, as in the SAM stack); a year is a choice, not a default.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn == "" ? null : var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "authorizer" {
  name_prefix = "${var.function_name}-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "basic_execution" {
  role       = aws_iam_role.authorizer.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "xray" {
  count      = var.tracing_enabled ? 1 : 0
  role       = aws_iam_role.authorizer.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

# GetSecretValue on the secrets that hold the keys, nothing else; none without a secret.
resource "aws_iam_role_policy" "read_clerk_secret" {
  count = local.has_secret ? 1 : 0
  name  = "read-clerk-secret"
  role  = aws_iam_role.authorizer.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "secretsmanager:GetSecretValue"
      Resource = compact([local.secret_arn, var.clerk_machine_secret_key_arn])
    }]
  })
}

# The empty secret of create_clerk_secret: fill it outside Terraform (README.md), so that the
# sk_ key never lands in the state file.
resource "aws_secretsmanager_secret" "clerk" {
  #checkov:skip=CKV_AWS_149:Secrets Manager's own key encrypts it; a customer-managed key would also need a key policy for the function's role, and protects a value Clerk can rotate from its dashboard.
  #checkov:skip=CKV2_AWS_57:Clerk secret keys are rotated in the Clerk dashboard, not by a Secrets Manager rotation Lambda; after rotating, put the new value here (the function re-reads it on a 401).
  count       = local.create_secret ? 1 : 0
  name_prefix = "${var.function_name}-clerk-secret-key-"
  description = "Clerk secret key (sk_...) for the Clerk authorizer; fill with aws secretsmanager put-secret-value"
  tags        = var.tags
}
