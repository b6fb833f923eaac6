# Every parameter of the SAM stack (authorizer/template.yaml), in snake_case, with its default
# and its validation. examples/terraform/check.py fails when the two drift apart; its RENAMED
# table and README.md list the names and types that do not follow mechanically.

variable "package_path" {
  type        = string
  description = "Path of the authorizer's zip, target/lambda/authorizer/bootstrap.zip from scripts/package (arm64, provided.al2023)."
}

variable "function_name" {
  type        = string
  default     = "clerk-authorizer"
  description = "The function's name; its log group is /aws/lambda/<function_name>."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags for every resource of the module that takes them."
}

variable "clerk_jwt_key" {
  type        = string
  sensitive   = true
  description = "PEM public key from the Clerk dashboard (API keys → Show JWT public key → PEM Public Key). Paste it on one line with \\n between the lines, or as-is."
}

variable "clerk_issuer" {
  type        = string
  default     = ""
  description = "Exact iss to require, your Clerk Frontend API URL (e.g. https://clerk.example.com). Empty = from ClerkPublishableKey, else not checked."
}

variable "authorized_parties" {
  type        = string
  default     = ""
  description = "Comma-separated origins allowed in azp (e.g. https://app.example.com). Empty = not checked."
}

variable "access_rules" {
  type        = string
  description = "ACCESS_RULES: a JSON list of {\"routes\": [...], \"when\": {...}} entries (role, org_role, permission, org, plan, feature, reverification, impersonation; token, machine, client, scope for machine tokens), or a JSON object of role → routes, e.g. [{\"routes\": [\"*\"]}] for any signed-in user or {\"admin\": [\"*\"]} for admins only. Required: there is no safe default for your API. Over Lambda's 4 KB of environment, use RulesLayerArn and AccessRulesFile."
}

variable "accepted_tokens" {
  type        = string
  default     = ""
  description = "ACCEPTED_TOKENS: the kinds of Clerk token accepted, as Clerk's acceptsToken names them (session_token, m2m_token, oauth_token, api_key). Empty = session_token only. Machine tokens and API keys are read from the Authorization header only. api_key needs a secret key (ClerkSecretKeyArn or CreateClerkSecret), as do the opaque mt_/oat_ forms."
  validation {
    condition     = can(regex("^( *(session_token|m2m_token|oauth_token|api_key) *(, *(session_token|m2m_token|oauth_token|api_key) *)*)?$", var.accepted_tokens))
    error_message = "accepted_tokens must be a comma list of session_token, m2m_token, oauth_token and api_key."
  }
}

variable "clerk_secret_key_arn" {
  type        = string
  default     = ""
  description = "The ARN of an existing Secrets Manager secret whose value is your Clerk secret key (sk_…), for opaque credentials (api_key, mt_, oat_) through Clerk's Backend API. The function reads it at cold start and may read only that secret. Blank = none (or CreateClerkSecret)."
  validation {
    condition     = can(regex("^(arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)?$", var.clerk_secret_key_arn))
    error_message = "clerk_secret_key_arn must be the ARN of a Secrets Manager secret."
  }
}

variable "clerk_machine_secret_key_arn" {
  type        = string
  default     = ""
  description = "Optional: the ARN of a secret holding a machine's secret key (ak_…), which then authenticates the verification of opaque M2M tokens (mt_…) instead of the instance key."
  validation {
    condition     = can(regex("^(arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)?$", var.clerk_machine_secret_key_arn))
    error_message = "clerk_machine_secret_key_arn must be the ARN of a Secrets Manager secret."
  }
}

variable "create_clerk_secret" {
  type        = bool
  default     = false
  description = "true = create an empty secret (output ClerkSecretArn) for you to fill once with aws secretsmanager put-secret-value; used when ClerkSecretKeyArn is blank."
}

variable "clerk_jwks_url" {
  type        = string
  default     = ""
  description = "CLERK_JWKS_URL, normally https://<frontend api host>/.well-known/jwks.json: load the signing keys over the network (a rotated key works without a redeploy) instead of ClerkJwtKey, which must then be blank."
  validation {
    condition     = can(regex("^(https://.+)?$", var.clerk_jwks_url))
    error_message = "clerk_jwks_url must be match ^(https://.+)?$."
  }
}

variable "clerk_api_url" {
  type        = string
  default     = ""
  description = "CLERK_API_URL, Clerk's Backend API. Blank = https://api.clerk.com."
  validation {
    condition     = can(regex("^(https://.+)?$", var.clerk_api_url))
    error_message = "clerk_api_url must be match ^(https://.+)?$."
  }
}

variable "machine_id" {
  type        = string
  default     = ""
  description = "MACHINE_ID: this API's own Clerk machine id (mch_…). Required with m2m_token: an M2M token must name it among its targets (scopes, else aud)."
  validation {
    condition     = can(regex("^(mch_[A-Za-z0-9]+)?$", var.machine_id))
    error_message = "machine_id must be a Clerk machine id, mch_…."
  }
}

variable "oauth_audience" {
  type        = string
  default     = ""
  description = "OAUTH_AUDIENCE: comma-separated audiences; with oauth_token, an OAuth access token's aud must name one. Empty = not checked (the authorizer warns at init)."
}

variable "clerk_publishable_key" {
  type        = string
  default     = ""
  description = "CLERK_PUBLISHABLE_KEY (pk_test_… or pk_live_…): sets the issuer to check (ClerkIssuer may then be left empty; if both are set they must agree) and the app's suffixed session cookie __session_<suffix>, read before __session."
  validation {
    condition     = can(regex("^(pk_(test|live)_[A-Za-z0-9+/=]+)?$", var.clerk_publishable_key))
    error_message = "clerk_publishable_key must be a Clerk publishable key, pk_test_… or pk_live_…."
  }
}

variable "http_api_response" {
  type        = string
  default     = "simple"
  description = "HTTP_API_RESPONSE for HTTP API payload 2.0: simple ({\"isAuthorized\": …}, cached for every route unless $context.routeKey is an identity source) or policy (IAM, cache-safe)."
  validation {
    condition     = contains(["simple", "policy"], var.http_api_response)
    error_message = "http_api_response must be one of simple, policy."
  }
}

variable "usage_identifier" {
  type        = string
  default     = ""
  description = "USAGE_IDENTIFIER: the usageIdentifierKey of REST and WebSocket answers, for API Gateway usage plans with ApiKeySourceType AUTHORIZER. tenant = the active organisation, else the user; user = the user whatever the organisation. Empty = no metering. HTTP APIs have no usage plans (docs/metering.md)."
  validation {
    condition     = contains(["", "tenant", "user"], var.usage_identifier)
    error_message = "usage_identifier must be one of , tenant, user."
  }
}

variable "usage_key_prefix" {
  type        = string
  default     = ""
  description = "USAGE_KEY_PREFIX: put in front of the identifier to make the API key value. API key values are unique per account and region: stacks sharing a Clerk instance and an account need different prefixes (e.g. staging-, prod-). Needs UsageIdentifier."
  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{0,64}$", var.usage_key_prefix))
    error_message = "usage_key_prefix must be match ^[A-Za-z0-9._-]{0,64}$."
  }
}

variable "log_retention_days" {
  type        = number
  default     = 30
  description = "Days CloudWatch keeps each function's logs."
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "metrics_namespace" {
  type        = string
  default     = "ClerkAuthorizer"
  description = "CloudWatch namespace of the authorizer's per-decision metrics (Embedded Metric Format)."
}

variable "alarm_topic_arn" {
  type        = string
  default     = ""
  description = "SNS topic ARN the alarms notify. Empty = alarms without notifications."
}

variable "signature_failure_threshold" {
  type        = number
  default     = 20
  description = "bad_signature (or wrong_party) decisions in 5 minutes that raise the alarm."
  validation {
    condition     = var.signature_failure_threshold >= 1
    error_message = "signature_failure_threshold must be at least 1."
  }
}

variable "authorizer_p99_milliseconds" {
  type        = number
  default     = null
  description = "The authorizer's p99 duration (ms) above which the latency alarm goes off. Blank = fits the configuration: 100 ms with keys in the environment (a decision is well under 1 ms; cold starts are the tail), 1500 ms when Clerk's API or a JWKS URL is used (a call to Clerk, its retry and a Secrets Manager read at cold start are in the tail)."
  validation {
    condition     = var.authorizer_p99_milliseconds == null ? true : var.authorizer_p99_milliseconds >= 1 && floor(var.authorizer_p99_milliseconds) == var.authorizer_p99_milliseconds
    error_message = "authorizer_p99_milliseconds must be a whole number above 0, or null."
  }
}

variable "alarm_evaluation_periods" {
  type        = number
  default     = 5
  description = "N of the alarms' M-of-N: how many periods (minutes, or 5-minute periods for the signature alarms) each alarm looks back over."
  validation {
    condition     = var.alarm_evaluation_periods >= 1 && var.alarm_evaluation_periods <= 60
    error_message = "alarm_evaluation_periods must be from 1 to 60."
  }
}

variable "alarm_datapoints_to_alarm" {
  type        = number
  default     = 3
  description = "M of the alarms' M-of-N: how many of those periods must breach before an alarm goes off. 3 of 5 pages for a problem that lasts (three separate minutes in five), never for one stray event: a single cold start that could not read Secrets Manager, one 5xx from Clerk, one deploy's failed init. At most N."
  validation {
    condition     = var.alarm_datapoints_to_alarm >= 1 && var.alarm_datapoints_to_alarm <= 60
    error_message = "alarm_datapoints_to_alarm must be from 1 to 60."
  }
}

variable "log_level" {
  type        = string
  default     = "INFO"
  description = "Lambda's ApplicationLogLevel, which the function's own filter honours. INFO logs one line per decision; WARN keeps only warnings and errors (the metrics are kept at every level)."
  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "rules_layer_arn" {
  type        = string
  default     = ""
  description = "Optional: a Lambda layer (its version ARN) holding your rules as a file, for rule sets over Lambda's 4 KB of environment. Set AccessRulesFile to its path under /opt (e.g. /opt/rules.json) and AccessRules to \"[]\". Blank = no layer."
}

variable "access_rules_file" {
  type        = string
  default     = ""
  description = "ACCESS_RULES_FILE, the rules file's path, e.g. /opt/rules.json from RulesLayerArn. Blank = ACCESS_RULES."
}

variable "tracing_enabled" {
  type        = bool
  default     = true
  description = "X-Ray tracing of the function (Active), so an API's trace shows the authorizer's share."
}

variable "authorizer_reserved_concurrency" {
  type        = number
  default     = null
  description = "Concurrent executions reserved for the authorizer, so other functions cannot starve it and it cannot starve them. Blank = unreserved (0 is not allowed: it would throttle every call)."
  validation {
    condition     = var.authorizer_reserved_concurrency == null ? true : var.authorizer_reserved_concurrency >= 1 && floor(var.authorizer_reserved_concurrency) == var.authorizer_reserved_concurrency
    error_message = "authorizer_reserved_concurrency must be a whole number above 0, or null."
  }
}

variable "logs_kms_key_arn" {
  type        = string
  default     = ""
  description = "An optional KMS key (its ARN) to encrypt the log group with; its key policy must allow logs.<region>.amazonaws.com. Blank = CloudWatch Logs' own encryption."
}
