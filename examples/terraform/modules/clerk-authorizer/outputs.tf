output "function_arn" {
  description = "The authorizer function's ARN, for an API's Lambda authorizer and its invoke permission."
  value       = aws_lambda_function.authorizer.arn
}

output "function_name" {
  description = "The authorizer function's name, for aws_lambda_permission and its logs."
  value       = aws_lambda_function.authorizer.function_name
}

output "invoke_arn" {
  description = "The ARN API Gateway invokes: authorizer_uri of aws_apigatewayv2_authorizer and aws_api_gateway_authorizer."
  value       = aws_lambda_function.authorizer.invoke_arn
}

output "log_group_name" {
  description = "The authorizer's log group, for Logs Insights (the runbook in docs/operations.md)."
  value       = aws_cloudwatch_log_group.authorizer.name
}

output "dashboard_name" {
  description = "The CloudWatch dashboard of decisions, reasons and latency."
  value       = aws_cloudwatch_dashboard.authorizer.dashboard_name
}

output "clerk_secret_arn" {
  description = "The secret to fill with your Clerk secret key, once (create_clerk_secret): aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string sk_live_..."
  value       = local.create_secret ? aws_secretsmanager_secret.clerk[0].arn : null
}
