# The SAM stack's alarms and dashboard, with the same metrics, dimensions and math
# (examples/terraform/check.py compares them). The runbook in docs/operations.md says what each
# alarm means and what to do.

locals {
  alarm_actions = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]
  # Blank fits the configuration: a decision is well under 1 ms, but a call to Clerk, its retry
  # and a Secrets Manager read at cold start are in the tail when Clerk is used.
  p99_threshold = var.authorizer_p99_milliseconds != null ? var.authorizer_p99_milliseconds : (local.networked ? 1500 : 100)
}

resource "aws_cloudwatch_metric_alarm" "authorizer_errors" {
  alarm_name          = "${var.function_name}-errors"
  alarm_description   = "The authorizer failed (not counting the Unauthorized it answers for refused tokens): an init failure such as a wrong CLERK_JWT_KEY makes every call a 500. See the runbook."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "failures"
    expression  = "errors - FILL(unauthorized, 0)"
    label       = "Authorizer errors other than Unauthorized"
    return_data = true
  }

  metric_query {
    id          = "errors"
    return_data = false
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.authorizer.function_name }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "unauthorized"
    return_data = false
    metric {
      namespace   = var.metrics_namespace
      metric_name = "UnauthorizedErrors"
      dimensions  = { FunctionName = aws_lambda_function.authorizer.function_name }
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "authorizer_throttles" {
  alarm_name          = "${var.function_name}-throttles"
  alarm_description   = "The authorizer was throttled; callers got 500s. Raise the account's concurrency or reserve some."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "bad_signature" {
  alarm_name          = "${var.function_name}-bad-signature"
  alarm_description   = "Many tokens fail the signature check: a Clerk key rotated but not CLERK_JWT_KEY, a key from another instance, or an attack. See the runbook."
  namespace           = var.metrics_namespace
  metric_name         = "Decisions"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name, Reason = "bad_signature" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = var.signature_failure_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "wrong_party" {
  alarm_name          = "${var.function_name}-wrong-party"
  alarm_description   = "Many tokens come from an origin not in AUTHORIZED_PARTIES: a new front-end origin, or tokens replayed from another app. See the runbook."
  namespace           = var.metrics_namespace
  metric_name         = "Decisions"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name, Reason = "wrong_party" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = var.signature_failure_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "authorizer_latency" {
  alarm_name          = "${var.function_name}-latency"
  alarm_description   = "The authorizer's p99 duration stayed above authorizer_p99_milliseconds (null = 100 ms, 1500 ms with Clerk over the network) for 15 minutes."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 3
  threshold           = local.p99_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "clerk_api_unavailable" {
  count               = local.has_secret ? 1 : 0
  alarm_name          = "${var.function_name}-clerk-api-unavailable"
  alarm_description   = "Clerk's Backend API timed out or answered 5xx/429: API keys and opaque tokens are refused (with an error API Gateway does not cache) until it recovers. See the runbook."
  namespace           = var.metrics_namespace
  metric_name         = "Decisions"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name, Reason = "clerk_api_unavailable" }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "clerk_secret_key_invalid" {
  count               = local.has_secret ? 1 : 0
  alarm_name          = "${var.function_name}-clerk-secret-key-invalid"
  alarm_description   = "Clerk's Backend API refused the secret key (401), even after re-reading it: put the current sk_... in the secret. Every API key is refused meanwhile."
  namespace           = var.metrics_namespace
  metric_name         = "Decisions"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name, Reason = "clerk_secret_key_invalid" }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "clerk_secret_unavailable" {
  count               = local.has_secret ? 1 : 0
  alarm_name          = "${var.function_name}-clerk-secret-unavailable"
  alarm_description   = "Clerk's secret key could not be read from Secrets Manager (empty, deleted, access denied or Secrets Manager down): API keys and opaque tokens are refused as an outage, sessions are served. Fill the secret; it is read again within a minute, with no redeploy. See the runbook."
  namespace           = var.metrics_namespace
  metric_name         = "Decisions"
  dimensions          = { FunctionName = aws_lambda_function.authorizer.function_name, Reason = "clerk_secret_unavailable" }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# Every widget filters on this function's FunctionName dimension: another authorizer in the
# same account and region never shows here.
resource "aws_cloudwatch_dashboard" "authorizer" {
  dashboard_name = var.function_name
  dashboard_body = <<-EOT
    {"widgets": [
      {"type": "metric", "x": 0, "y": 0, "width": 8, "height": 6, "properties": {
        "title": "Decisions by verdict", "region": "${data.aws_region.current.region}", "stat": "Sum", "period": 300, "view": "timeSeries",
        "metrics": [["${var.metrics_namespace}", "Decisions", "FunctionName", "${aws_lambda_function.authorizer.function_name}", "Verdict", "allow"], ["...", "deny"], ["...", "unauthorized"]]}},
      {"type": "metric", "x": 8, "y": 0, "width": 8, "height": 6, "properties": {
        "title": "Top reasons", "region": "${data.aws_region.current.region}", "view": "bar", "period": 3600,
        "metrics": [[{"expression": "SORT(SEARCH('{${var.metrics_namespace},FunctionName,Reason} MetricName=\"Decisions\" FunctionName=\"${aws_lambda_function.authorizer.function_name}\"', 'Sum', 3600), SUM, DESC, 10)", "id": "reasons"}]]}},
      {"type": "metric", "x": 16, "y": 0, "width": 8, "height": 6, "properties": {
        "title": "Latency", "region": "${data.aws_region.current.region}", "period": 300, "view": "timeSeries",
        "metrics": [
          ["${var.metrics_namespace}", "DecisionLatency", "FunctionName", "${aws_lambda_function.authorizer.function_name}", {"stat": "p50", "label": "decision p50 (µs)"}],
          ["...", {"stat": "p99", "label": "decision p99 (µs)"}],
          ["AWS/Lambda", "Duration", "FunctionName", "${aws_lambda_function.authorizer.function_name}", {"stat": "p99", "label": "function p99 (ms)", "yAxis": "right"}]]}}
    ]}
  EOT
}
