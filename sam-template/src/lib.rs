//! `template.yaml` → the APIs, routes, authorizers, functions, layers, tables and usage plans
//! that local-gateway runs: plain values, read once at start.
//!
//! Read by resource family, each a small reader over the same `Reader`: `functions` (with their
//! layers and `runtime`), `sam_api` (SAM's `Api`/`HttpApi` and the routes of functions' events),
//! `raw_rest` and `raw_http` (the `AWS::ApiGateway*` resources), `cors`, `tables`,
//! `usage_plans`, `nested` (applications), and `intrinsics` (`!Ref`, `!Sub`, `!GetAtt`, …) over
//! `yaml` (CloudFormation's short-form tags). This crate holds the values they produce and the
//! dispatch by resource type. It is its own crate, with three dependencies (serde_json, saphyr,
//! regex) and no I/O beyond reading the template's files, so the fuzz targets check it quickly.
//!
//! Everything is read from the template; nothing is written down a second time. Whatever the
//! gateway does not understand stops it at start with an error that names the construct, so a
//! route is never served with less protection than the template gives it in production.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

mod cors;
mod functions;
mod intrinsics;
mod nested;
mod permissions;
mod raw;
mod raw_http;
mod raw_rest;
pub mod runtime;
mod sam_api;
mod tables;
pub mod usage_plans;
pub mod yaml;

/// Settings that are not in the template: what `--parameter-overrides`, `--region` and friends say.
#[derive(Debug, Clone)]
pub struct Settings {
    pub parameter_overrides: BTreeMap<String, String>,
    /// Variables from `--env-file`: they replace the values of the variables a function declares.
    pub env_file: BTreeMap<String, String>,
    pub region: String,
    pub account_id: String,
    /// API logical id → API id for ARNs (default: derived from the logical id).
    pub api_ids: BTreeMap<String, String>,
    /// The nested stack being read, `Parent/Child/`; empty for the template itself.
    pub stack: String,
    /// `--layer ARN=DIR`: layers named by ARN, as local folders.
    pub layers: BTreeMap<String, std::path::PathBuf>,
    /// `--max-concurrency N`: for a `CapacityProviderConfig` that does not set its own.
    pub max_concurrency: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            parameter_overrides: BTreeMap::new(),
            env_file: BTreeMap::new(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            api_ids: BTreeMap::new(),
            stack: String::new(),
            layers: BTreeMap::new(),
            max_concurrency: None,
        }
    }
}

/// A function to run: its runtime and code, and its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The logical id, e.g. `AuthorizerFunction`.
    pub name: String,
    /// `arn:aws:lambda:{region}:{account}:function:{name}`.
    pub arn: String,
    pub runtime: crate::runtime::Runtime,
    pub code: Code,
    /// `Handler`: `file.export` (Node), `module.function` (Python), `bootstrap` (provided).
    pub handler: String,
    /// The layers' folders, in the template's order.
    pub layers: Vec<std::path::PathBuf>,
    /// `MemorySize` in MB (Lambda's default 128).
    pub memory_mb: u32,
    /// `LoggingConfig.LogFormat`.
    pub log_format: LogFormat,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    /// `ReservedConcurrentExecutions`: at most this many environments at once.
    pub reserved_concurrency: Option<usize>,
    /// `CapacityProviderConfig.PerExecutionEnvironmentMaxConcurrency` (Lambda Managed
    /// Instances): invocations at once per environment; `None` without a capacity provider.
    pub max_concurrency: Option<usize>,
}

impl Function {
    /// Lambda's log group for the function (`/aws/lambda/<name>`).
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.name)
    }
}

/// What a function runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `provided.*`: `Metadata.BuildProperties.Binary`, the cargo binary.
    Binary(String),
    /// Node.js or Python: the `CodeUri` folder (Lambda's `/var/task`).
    Dir(std::path::PathBuf),
}

/// `LoggingConfig.LogFormat`: how the runtime and the platform write their lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// As `AWS_LAMBDA_LOG_FORMAT` says it.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Text => "Text",
            LogFormat::Json => "JSON",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// `AWS::Serverless::Api`.
    Rest,
    /// `AWS::Serverless::HttpApi`.
    Http,
}

impl ApiKind {
    /// API Gateway's integration timeout: the default, and the most `TimeoutInMillis` may say.
    pub fn integration_timeout(self) -> Duration {
        match self {
            ApiKind::Rest => Duration::from_secs(29),
            ApiKind::Http => Duration::from_secs(30),
        }
    }
}

/// One API and everything needed to serve it.
#[derive(Debug, Clone)]
pub struct Api {
    pub name: String,
    pub kind: ApiKind,
    /// The id in ARNs (`arn:aws:execute-api:{region}:{account}:{id}/{stage}/…`).
    pub id: String,
    pub stage: String,
    pub region: String,
    pub account_id: String,
    pub routes: Vec<Route>,
    pub authorizers: BTreeMap<String, Authorizer>,
    /// `Auth.DefaultAuthorizer`: in front of every route that does not name its own.
    pub default_authorizer: Option<String>,
    /// `Cors` (REST) or `CorsConfiguration` (HTTP API).
    pub cors: Option<Cors>,
    /// REST: `Auth.AddDefaultAuthorizerToCorsPreflight` (SAM's default is true).
    pub preflight_authorizer: bool,
    /// REST `GatewayResponses`: response type (`UNAUTHORIZED`, `DEFAULT_4XX`, …) → headers.
    pub gateway_responses: BTreeMap<String, Vec<(String, String)>>,
    /// Raw `AWS::ApiGateway*` resources: API Gateway may invoke a function only with an
    /// `AWS::Lambda::Permission` (SAM adds them for its own APIs, so those are not checked).
    pub needs_permissions: bool,
    /// The stage's throttling (REST `MethodSettings` on `/*`, HTTP `DefaultRouteSettings`).
    pub throttle: Option<Throttle>,
    /// `ApiKeySourceType`: where a method with `ApiKeyRequired` finds the caller's API key.
    pub api_key_source: ApiKeySource,
    /// SAM's `Auth.ApiKeyRequired` on the API: the default of its routes.
    pub api_key_required: bool,
    /// SAM's `Auth.AddApiKeyRequiredToCorsPreflight` (default true): with `api_key_required`,
    /// the CORS preflights need the key too.
    pub preflight_api_key: bool,
    /// SAM's `Auth.UsagePlan` (`PER_API` or `SHARED`): the plan SAM makes for this API.
    pub sam_usage_plan: Option<SamUsagePlan>,
    /// The stage's access-log `Format`, with API Gateway's `$context` variables.
    pub access_log: Option<String>,
}

/// A usage plan SAM makes from an API's `Auth.UsagePlan`.
#[derive(Debug, Clone, PartialEq)]
pub struct SamUsagePlan {
    /// `SHARED`: one plan (`ServerlessUsagePlan`) for every API that says so.
    pub shared: bool,
    pub plan: crate::usage_plans::UsagePlan,
}

/// `ApiKeySourceType` of a REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiKeySource {
    /// The `x-api-key` header (API Gateway's default).
    #[default]
    Header,
    /// The Lambda authorizer's `usageIdentifierKey`.
    Authorizer,
}

/// A stage's throttling: a token bucket of `burst` requests refilled at `rate` per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub rate: f64,
    pub burst: f64,
}

impl Throttle {
    /// Takes a token at `now` from `bucket` (tokens left, when last refilled; `None`: a new,
    /// full bucket), refilling it first; `false` when none is left (API Gateway's 429).
    /// A rate or burst as the template writes it: a finite number of requests, not negative
    /// (`inf` and `1e999` parse as numbers, but no API Gateway setting takes them).
    pub(crate) fn number(text: &str) -> Option<f64> {
        text.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
    }

    pub fn take(
        &self,
        bucket: &mut Option<(f64, std::time::Instant)>,
        now: std::time::Instant,
    ) -> bool {
        let (tokens, last) = bucket.get_or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens < 1.0 {
            return false;
        }
        *tokens -= 1.0;
        true
    }
}

/// An API's CORS settings, as API Gateway applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// REST `Cors`: a mock `OPTIONS` method on every path, with these static headers.
    Rest {
        allow_origin: String,
        allow_headers: Option<String>,
        allow_methods: Option<String>,
        max_age: Option<String>,
        allow_credentials: bool,
    },
    /// HTTP API `CorsConfiguration`: preflights answered by the API, and headers added to
    /// every answer whose `Origin` is allowed.
    Http {
        allow_origins: Vec<String>,
        allow_headers: Vec<String>,
        allow_methods: Vec<String>,
        expose_headers: Vec<String>,
        max_age: Option<u64>,
        allow_credentials: bool,
    },
}

/// One route: a method (or `ANY`) on a path template such as `/tasks/{id}` or `/{proxy+}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
    /// The function that serves it.
    pub function: String,
    /// The authorizer in front of it; `None` only where the template says there is none.
    pub authorizer: Option<String>,
    /// A REST CORS preflight: answered by API Gateway's mock integration, not a function.
    pub preflight: bool,
    /// `TimeoutInMillis`: the integration timeout, if not API Gateway's default (29 s REST,
    /// 30 s HTTP API).
    pub timeout: Option<Duration>,
    /// `ApiKeyRequired` (REST): the usage plans meter it.
    pub api_key_required: bool,
}

/// What the authorizer is sent and how its answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// REST `TOKEN`: the value of one header.
    Token,
    /// REST `REQUEST`: the whole request.
    Request,
    /// HTTP API payload 1.0 (IAM policy answers).
    HttpV1,
    /// HTTP API payload 2.0; `simple` answers are `{"isAuthorized": …}`.
    HttpV2 { simple: bool },
}

impl Payload {
    /// How the start-up listing names it.
    pub fn label(self) -> &'static str {
        match self {
            Payload::Token => "TOKEN",
            Payload::Request => "REQUEST",
            Payload::HttpV1 => "payload 1.0",
            Payload::HttpV2 { simple: true } => "payload 2.0, simple responses",
            Payload::HttpV2 { simple: false } => "payload 2.0, IAM policies",
        }
    }
}

/// Where an identity source is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Header(String),
    Query(String),
    StageVariable(String),
    /// `$context.<name>`, e.g. `routeKey`.
    Context(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorizer {
    pub name: String,
    pub function: String,
    pub payload: Payload,
    /// Every one must be present and non-empty, or the answer is 401 without an invocation.
    pub identity: Vec<Source>,
    /// `ReauthorizeEvery`: seconds an answer is cached per identity values; 0 = off.
    pub ttl: u64,
    /// REST TOKEN `IdentityValidationExpression`: a token that does not match is a 401 and
    /// the authorizer is not invoked.
    pub validation: Option<Validation>,
}

/// An `IdentityValidationExpression`, compiled once; it must match the whole token.
#[derive(Debug, Clone)]
pub struct Validation(regex::Regex);

impl Validation {
    /// Compiles `expression` (API Gateway matches the whole value).
    pub fn new(expression: &str) -> Result<Validation, String> {
        regex::Regex::new(&format!("^(?:{expression})$"))
            .map(Validation)
            .map_err(|e| format!("IdentityValidationExpression {expression:?} is not a valid regular expression: {e}"))
    }

    /// True when the whole `token` matches.
    pub fn matches(&self, token: &str) -> bool {
        self.0.is_match(token)
    }
}

impl PartialEq for Validation {
    fn eq(&self, other: &Validation) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for Validation {}

/// An `AWS::Lambda::Permission` letting API Gateway invoke a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The function's logical id.
    pub function: String,
    /// The `SourceArn` pattern (`*` matches anything); `None` allows any source.
    pub source_arn: Option<String>,
}

/// A DynamoDB table (`AWS::DynamoDB::Table`), to create on the local DynamoDB-compatible server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub logical_id: String,
    /// What `!Ref` gives: `TableName`, else (locally) the logical id.
    pub name: String,
    /// (attribute, `HASH` or `RANGE`).
    pub key_schema: Vec<(String, String)>,
    /// (attribute, `S`, `N` or `B`).
    pub attributes: Vec<(String, String)>,
}

/// The whole application.
#[derive(Debug, Clone, Default)]
pub struct App {
    pub functions: BTreeMap<String, Function>,
    pub apis: Vec<Api>,
    pub tables: Vec<Table>,
    /// Every `AWS::Lambda::Permission` for `apigateway.amazonaws.com`.
    pub permissions: Vec<Permission>,
    /// What the template asks for that local-gateway accepts but does not emulate, for the
    /// start-up lines (e.g. X-Ray tracing).
    pub notes: Vec<String>,
    /// REST usage plans and API keys (`AWS::ApiGateway::UsagePlan`, `ApiKey`, `UsagePlanKey`).
    pub usage_plans: crate::usage_plans::UsagePlans,
}

/// The raw API Gateway resources, read API by API.
const RAW_RESOURCES: [&str; 15] = [
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Stage",
];

/// Resource types that change nothing on the request path; everything else must be understood.
const IGNORED_RESOURCES: [&str; 13] = [
    // `sam init`'s Application Insights monitoring.
    "AWS::ResourceGroups::Group",
    "AWS::ApplicationInsights::Application",
    "AWS::ApiGatewayV2::Deployment",
    // The account's CloudWatch role for REST access logs.
    "AWS::ApiGateway::Account",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
];

impl App {
    /// Reads a template's text; nested applications' `Location`s are relative to the current
    /// directory.
    pub fn from_template(text: &str, settings: &Settings) -> Result<App, String> {
        nested::read(text, settings, std::path::Path::new("."), 0).map(|n| n.app)
    }

    /// Reads the template at `path`; nested applications' `Location`s are relative to it.
    pub fn from_file(path: &std::path::Path, settings: &Settings) -> Result<App, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        nested::read(&text, settings, dir, 0).map(|n| n.app)
    }
}

pub(crate) struct Reader<'t> {
    resources: &'t Map<String, Value>,
    /// The template's `Conditions`, evaluated on demand by `Fn::If`.
    conditions: Map<String, Value>,
    parameters: BTreeMap<String, Option<String>>,
    globals: Map<String, Value>,
    /// `Globals.Api` and `Globals.HttpApi`: under every SAM API of that kind, implicit or not.
    api_globals: Map<String, Value>,
    http_api_globals: Map<String, Value>,
    settings: &'t Settings,
    /// The template's directory: nested applications' `Location`s are relative to it.
    dir: &'t std::path::Path,
    /// The nested applications, read.
    nested: BTreeMap<String, nested::Nested>,
}

impl<'t> Reader<'t> {
    fn new(
        template: &'t Value,
        settings: &'t Settings,
        dir: &'t std::path::Path,
    ) -> Result<Reader<'t>, String> {
        let root = template
            .as_object()
            .ok_or("the template is not a mapping")?;
        for key in root.keys() {
            if !matches!(
                key.as_str(),
                "AWSTemplateFormatVersion"
                    | "Transform"
                    | "Description"
                    | "Parameters"
                    | "Conditions"
                    | "Globals"
                    | "Resources"
                    | "Outputs"
                    | "Metadata"
            ) {
                return Err(format!(
                    "the template's top-level section {key:?} is not supported"
                ));
            }
        }
        let resources = root
            .get("Resources")
            .and_then(Value::as_object)
            .ok_or("the template has no Resources")?;
        let mut parameters = BTreeMap::new();
        for (name, parameter) in root
            .get("Parameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let default = parameter
                .get("Default")
                .map(scalar)
                .transpose()
                .map_err(|e| format!("parameter {name}: Default {e}"))?;
            parameters.insert(name.clone(), default);
        }
        for (name, value) in &settings.parameter_overrides {
            if !parameters.contains_key(name) {
                return Err(format!(
                    "--parameter-overrides names {name:?}, which the template does not declare (it has: {})",
                    parameters.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            parameters.insert(name.clone(), Some(value.clone()));
        }
        let (mut globals, mut api_globals, mut http_api_globals) =
            (Map::new(), Map::new(), Map::new());
        for (section, values) in root
            .get("Globals")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let slot = match section.as_str() {
                "Function" => &mut globals,
                "Api" => &mut api_globals,
                "HttpApi" => &mut http_api_globals,
                other => {
                    return Err(format!(
                        "Globals.{other} is not supported (Globals.Function, Api and HttpApi are)"
                    ))
                }
            };
            *slot = values
                .as_object()
                .cloned()
                .ok_or_else(|| format!("Globals.{section} is not a mapping"))?;
        }
        let conditions = root
            .get("Conditions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Ok(Reader {
            resources,
            conditions,
            parameters,
            globals,
            api_globals,
            http_api_globals,
            settings,
            dir,
            nested: BTreeMap::new(),
        })
    }

    fn app(&self) -> Result<App, String> {
        // What the nested stacks bring, then this template's own.
        let mut nested = App::default();
        let mut functions = BTreeMap::new();
        let mut apis = Vec::new();
        let mut tables = Vec::new();
        let mut permissions = Vec::new();
        for (name, resource) in self.resources {
            let kind = resource
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            // (Resources whose Condition is false were left out before this reader was made.)
            match kind {
                "AWS::Serverless::Function" => {
                    functions.insert(name.clone(), self.function(name, resource)?);
                }
                "AWS::Serverless::Api" => apis.push(self.api(name, resource, ApiKind::Rest)?),
                "AWS::Serverless::HttpApi" => apis.push(self.api(name, resource, ApiKind::Http)?),
                "AWS::DynamoDB::Table" => tables.push(self.table(name, resource)?),
                "AWS::Serverless::Application" | "AWS::CloudFormation::Stack" => {
                    self.merge_nested(name, &mut nested)?
                }
                "AWS::Lambda::Permission" => permissions.extend(self.permission(name, resource)?),
                // Read by the functions that name them.
                "AWS::Serverless::LayerVersion" | "AWS::Lambda::LayerVersion" => {}
                // Read by API below (raw_rest, raw_http), each with the resources that name it.
                raw if RAW_RESOURCES.contains(&raw) => {}
                ignored if IGNORED_RESOURCES.contains(&ignored) => {}
                other => {
                    return Err(format!(
                        "resource {name} has type {other:?}, which local-gateway does not support"
                    ))
                }
            }
        }
        // merge_nested refused a nested function named like one of this template's.
        functions.append(&mut nested.functions);
        apis.append(&mut nested.apis);
        tables.append(&mut nested.tables);
        permissions.append(&mut nested.permissions);
        apis.extend(self.implicit_apis()?);
        // Routes come from the functions' events.
        for (name, resource) in self.resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let events = properties(resource)
                .get("Events")
                .and_then(Value::as_object);
            for (event_name, event) in events.into_iter().flatten() {
                self.route(name, event_name, event, &mut apis)?;
            }
        }
        for api in &mut apis {
            cors::add_preflights(api);
        }
        apis.extend(self.raw_rest_apis()?);
        apis.extend(self.raw_http_apis()?);
        let mut usage_plans = self.usage_plans(&apis)?;
        usage_plans.merge(&nested.usage_plans, "")?;
        let mut notes = nested.notes;
        let traced = self.globals.contains_key("Tracing")
            || self.resources.values().any(|r| {
                let props = properties(r);
                props.contains_key("Tracing") || props.contains_key("TracingEnabled")
            });
        if traced && notes.is_empty() {
            notes.push(
                "X-Ray tracing (Tracing, TracingEnabled) is not emulated: no traces are sent"
                    .to_string(),
            );
        }
        for api in apis.iter().filter(|a| a.sam_usage_plan.is_some()) {
            notes.push(format!(
                "SAM's Auth.UsagePlan of {} also makes an API key whose value AWS generates, so \
                 locally it has none: create keys in moto's API Gateway \
                 (AWS_ENDPOINT_URL_API_GATEWAY) or declare AWS::ApiGateway::ApiKey with a Value",
                api.name
            ));
        }
        Ok(App {
            functions,
            apis,
            tables,
            permissions,
            notes,
            usage_plans,
        })
    }
}

impl App {
    /// Every authorizer and route names a function of the app (checked once the whole app,
    /// nested stacks included, is read: a nested stack may name its parent's functions).
    fn check_functions(&self) -> Result<(), String> {
        for api in &self.apis {
            for authorizer in api.authorizers.values() {
                if !self.functions.contains_key(&authorizer.function) {
                    return Err(format!(
                        "{} authorizer {}: FunctionArn names {}, which is not an AWS::Serverless::Function",
                        api.name, authorizer.name, authorizer.function
                    ));
                }
            }
            for route in api.routes.iter().filter(|r| !r.preflight) {
                if !self.functions.contains_key(&route.function) {
                    return Err(format!(
                        "{} {} {}: the integration names {}, which is not an AWS::Serverless::Function \
                         (local-gateway runs the template's own functions)",
                        api.name, route.method, route.path, route.function
                    ));
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn properties(resource: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    resource
        .get("Properties")
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// An API Gateway static value, written `'value'` in a template: the text inside the quotes.
pub(crate) fn static_value(text: &str) -> Option<&str> {
    text.strip_prefix('\'')?.strip_suffix('\'')
}

pub(crate) fn scalar(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{other} is not a plain value")),
    }
}

impl Reader<'_> {
    /// The resources whose `Condition` is false: they do not exist.
    pub(crate) fn absent_resources(&self) -> Result<Vec<String>, String> {
        let mut absent = Vec::new();
        for (name, resource) in self.resources {
            if let Some(condition) = resource.get("Condition") {
                let condition = condition
                    .as_str()
                    .ok_or_else(|| format!("resource {name}: Condition must be a name"))?;
                if !self
                    .condition(condition, 0)
                    .map_err(|e| format!("resource {name}: {e}"))?
                {
                    absent.push(name.clone());
                }
            }
        }
        Ok(absent)
    }

    /// The id of API `name` in ARNs: `--api-id` (by its name, `Stack/Api` when nested), else
    /// derived from the name, so that two nested stacks' `Api`s get different ids.
    pub(crate) fn api_id(&self, name: &str) -> String {
        let full = format!("{}{name}", self.settings.stack);
        match self.settings.api_ids.get(&full) {
            Some(id) => id.clone(),
            None if self.settings.stack.is_empty() => derived_api_id(name),
            // FNV-1a of the full name, as ten base-36 characters.
            None => {
                let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
                for byte in full.bytes() {
                    hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
                (0..10)
                    .map(|i| {
                        let digit = (hash >> (i * 6)) % 36;
                        char::from_digit(digit as u32, 36).unwrap_or('0')
                    })
                    .collect()
            }
        }
    }

    /// A route's `TimeoutInMillis`: 50 ms up to API Gateway's maximum, 29 s on REST and 30 s
    /// on HTTP APIs; `None` when absent.
    pub(crate) fn integration_timeout(
        &self,
        value: Option<&Value>,
        kind: ApiKind,
    ) -> Result<Option<Duration>, String> {
        let max = kind.integration_timeout().as_millis() as u64;
        value
            .map(|t| self.string(t))
            .transpose()?
            .map(|t| {
                t.parse::<u64>()
                    .ok()
                    .filter(|ms| (50..=max).contains(ms))
                    .map(Duration::from_millis)
                    .ok_or_else(|| format!("TimeoutInMillis {t:?} is not 50 to {max}"))
            })
            .transpose()
    }

    /// A REST API's `ApiKeySourceType` (raw and SAM alike): `HEADER` unless it says otherwise.
    pub(crate) fn api_key_source(
        &self,
        props: &Map<String, Value>,
    ) -> Result<ApiKeySource, String> {
        match props
            .get("ApiKeySourceType")
            .map(|v| self.string(v))
            .transpose()?
            .as_deref()
        {
            None | Some("HEADER") => Ok(ApiKeySource::Header),
            Some("AUTHORIZER") => Ok(ApiKeySource::Authorizer),
            Some(other) => Err(format!(
                "ApiKeySourceType {other:?} is not HEADER or AUTHORIZER"
            )),
        }
    }

    /// A boolean property: `true` or `false` (a string or a boolean, or a parameter's value);
    /// absent is `false`, as CloudFormation defaults these.
    pub(crate) fn flag(&self, props: &Map<String, Value>, key: &str) -> Result<bool, String> {
        match props
            .get(key)
            .map(|v| self.string(v))
            .transpose()?
            .as_deref()
        {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(format!("{key} {other:?} is not true or false")),
        }
    }

    /// The logical id a `!Ref` names, without resolving it.
    pub(crate) fn ref_name<'v>(&self, value: &'v Value) -> Option<&'v str> {
        value.get("Ref").and_then(Value::as_str)
    }

    /// Every resource of type `kind` whose property `key` is `!Ref owner`.
    pub(crate) fn owned_by<'s>(
        &'s self,
        kind: &'s str,
        key: &'s str,
        owner: &'s str,
    ) -> impl Iterator<Item = (&'s String, &'s Value)> + 's {
        self.resources.iter().filter(move |(_, r)| {
            r.get("Type").and_then(Value::as_str) == Some(kind)
                && properties(r).get(key).and_then(|v| self.ref_name(v)) == Some(owner)
        })
    }

    /// Every resource of type `kind`.
    pub(crate) fn of_type<'s>(
        &'s self,
        kind: &'s str,
    ) -> impl Iterator<Item = (&'s String, &'s Value)> + 's {
        self.resources
            .iter()
            .filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
    }

    /// Refuses any property of `resource` not in `known` or `ignored`.
    pub(crate) fn known_properties(
        &self,
        what: &str,
        resource: &Value,
        known: &[&str],
        ignored: &[&str],
    ) -> Result<(), String> {
        match properties(resource)
            .keys()
            .find(|k| !known.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
        {
            Some(key) => Err(format!(
                "{what}: property {key} is not supported by local-gateway"
            )),
            None => Ok(()),
        }
    }
}

/// A stable, API-id-shaped name for a logical id: ten lowercase letters and digits.
pub fn derived_api_id(logical_id: &str) -> String {
    let mut id: String = logical_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    id.truncate(10);
    while id.len() < 10 {
        id.push('0');
    }
    id
}

#[cfg(test)]
mod tests {
    use super::static_value;

    #[test]
    fn static_values_are_the_text_inside_single_quotes() {
        assert_eq!(static_value("'*'"), Some("*"));
        assert_eq!(static_value("''"), Some(""));
        for unquoted in ["*", "'*", "*'", "'", "\"*\""] {
            assert_eq!(static_value(unquoted), None, "{unquoted}");
        }
    }
}
