//! `template.yaml` → the APIs, routes, authorizers and functions to run.
//!
//! Everything is read from the template; nothing is written down a second time. Whatever the
//! gateway does not understand stops it at start with an error that names the construct, so a
//! route is never served with less protection than the template gives it in production.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            parameter_overrides: BTreeMap::new(),
            env_file: BTreeMap::new(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            api_ids: BTreeMap::new(),
        }
    }
}

/// A function to run: its binary and its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The logical id, e.g. `AuthorizerFunction`.
    pub name: String,
    /// `Metadata.BuildProperties.Binary`: the cargo binary.
    pub binary: String,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// `AWS::Serverless::Api`.
    Rest,
    /// `AWS::Serverless::HttpApi`.
    Http,
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
#[derive(Debug, Clone)]
pub struct App {
    pub functions: BTreeMap<String, Function>,
    pub apis: Vec<Api>,
    pub tables: Vec<Table>,
}

/// Resource types that change nothing on the request path; everything else must be understood.
const IGNORED_RESOURCES: [&str; 10] = [
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Permission",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
];

/// Function properties that do not change how a local invocation behaves.
const IGNORED_FUNCTION_PROPERTIES: [&str; 11] = [
    "CodeUri",
    "Description",
    "Runtime",
    "Architectures",
    "Handler",
    "MemorySize",
    "LoggingConfig",
    "Policies",
    "Tags",
    "Tracing",
    "FunctionName",
];
const FUNCTION_PROPERTIES: [&str; 3] = ["Environment", "Events", "Timeout"];

const TABLE_PROPERTIES: [&str; 5] = [
    "TableName",
    "BillingMode",
    "AttributeDefinitions",
    "KeySchema",
    // Capacity is not emulated: the local table takes whatever it is sent.
    "ProvisionedThroughput",
];
/// Table properties that change nothing a request can see.
const IGNORED_TABLE_PROPERTIES: [&str; 6] = [
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "ContributorInsightsSpecification",
    "TableClass",
    "Tags",
];

const REST_API_PROPERTIES: [&str; 5] = ["StageName", "Auth", "Name", "Cors", "GatewayResponses"];
const HTTP_API_PROPERTIES: [&str; 4] = ["StageName", "Auth", "Name", "CorsConfiguration"];
const IGNORED_API_PROPERTIES: [&str; 7] = [
    "Description",
    "EndpointConfiguration",
    "TracingEnabled",
    "MethodSettings",
    "AccessLogSetting",
    "AccessLogSettings",
    "Tags",
];

impl App {
    /// Reads a template's text.
    pub fn from_template(text: &str, settings: &Settings) -> Result<App, String> {
        let template = crate::yaml::parse(text).map_err(|e| format!("the template {e}"))?;
        Reader::new(&template, settings)?.app()
    }
}

struct Reader<'t> {
    resources: &'t Map<String, Value>,
    parameters: BTreeMap<String, Option<String>>,
    globals: Map<String, Value>,
    settings: &'t Settings,
}

impl<'t> Reader<'t> {
    fn new(template: &'t Value, settings: &'t Settings) -> Result<Reader<'t>, String> {
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
        let mut globals = Map::new();
        if let Some(g) = root.get("Globals").and_then(Value::as_object) {
            for (section, values) in g {
                if section != "Function" {
                    return Err(format!(
                        "Globals.{section} is not supported (only Globals.Function)"
                    ));
                }
                globals = values
                    .as_object()
                    .cloned()
                    .ok_or("Globals.Function is not a mapping")?;
            }
        }
        Ok(Reader {
            resources,
            parameters,
            globals,
            settings,
        })
    }

    fn app(&self) -> Result<App, String> {
        let mut functions = BTreeMap::new();
        let mut apis = Vec::new();
        let mut tables = Vec::new();
        for (name, resource) in self.resources {
            let kind = resource
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if resource.get("Condition").is_some() && !IGNORED_RESOURCES.contains(&kind) {
                return Err(format!(
                    "resource {name} has a Condition, which local-gateway does not evaluate"
                ));
            }
            match kind {
                "AWS::Serverless::Function" => {
                    functions.insert(name.clone(), self.function(name, resource)?);
                }
                "AWS::Serverless::Api" => apis.push(self.api(name, resource, ApiKind::Rest)?),
                "AWS::Serverless::HttpApi" => apis.push(self.api(name, resource, ApiKind::Http)?),
                "AWS::DynamoDB::Table" => tables.push(self.table(name, resource)?),
                ignored if IGNORED_RESOURCES.contains(&ignored) => {}
                other => {
                    return Err(format!(
                        "resource {name} has type {other:?}, which local-gateway does not support"
                    ))
                }
            }
        }
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
            add_preflights(api);
        }
        for api in &apis {
            for authorizer in api.authorizers.values() {
                if !functions.contains_key(&authorizer.function) {
                    return Err(format!(
                        "{} authorizer {}: FunctionArn names {}, which is not an AWS::Serverless::Function",
                        api.name, authorizer.name, authorizer.function
                    ));
                }
            }
        }
        Ok(App {
            functions,
            apis,
            tables,
        })
    }

    fn table(&self, name: &str, resource: &Value) -> Result<Table, String> {
        let props = properties(resource);
        for key in props.keys() {
            if !TABLE_PROPERTIES.contains(&key.as_str())
                && !IGNORED_TABLE_PROPERTIES.contains(&key.as_str())
            {
                return Err(format!(
                    "table {name}: property {key} is not supported by local-gateway"
                ));
            }
        }
        let pairs = |list: &str,
                     first: &str,
                     second: &str|
         -> Result<Vec<(String, String)>, String> {
            let items = props
                .get(list)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("table {name}: {list} must be a list"))?;
            items
                .iter()
                .map(|item| {
                    let field = |key: &str| {
                        item.get(key)
                            .ok_or_else(|| format!("table {name}: every {list} entry needs {key}"))
                            .and_then(|v| self.string(v))
                    };
                    Ok((field(first)?, field(second)?))
                })
                .collect()
        };
        let key_schema = pairs("KeySchema", "AttributeName", "KeyType")?;
        let attributes = pairs("AttributeDefinitions", "AttributeName", "AttributeType")?;
        for (attribute, key_type) in &key_schema {
            if !matches!(key_type.as_str(), "HASH" | "RANGE") {
                return Err(format!(
                    "table {name}: KeyType {key_type:?} is neither HASH nor RANGE"
                ));
            }
            if !attributes.iter().any(|(a, _)| a == attribute) {
                return Err(format!(
                    "table {name}: key attribute {attribute} is not in AttributeDefinitions"
                ));
            }
        }
        Ok(Table {
            logical_id: name.to_string(),
            name: self.reference(name)?,
            key_schema,
            attributes,
        })
    }

    fn function(&self, name: &str, resource: &Value) -> Result<Function, String> {
        let props = properties(resource);
        for (key, source) in self
            .globals
            .keys()
            .map(|k| (k, "Globals.Function"))
            .chain(props.keys().map(|k| (k, "Properties")))
        {
            if !FUNCTION_PROPERTIES.contains(&key.as_str())
                && !IGNORED_FUNCTION_PROPERTIES.contains(&key.as_str())
            {
                return Err(format!(
                    "function {name}: {source}.{key} is not supported by local-gateway"
                ));
            }
        }
        let binary = resource
            .pointer("/Metadata/BuildProperties/Binary")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("function {name} has no Metadata.BuildProperties.Binary (the cargo binary to run)"))?
            .to_string();
        let get = |key: &str| props.get(key).or_else(|| self.globals.get(key));
        let timeout = match get("Timeout") {
            None => 3,
            Some(t) => self
                .string(t)
                .and_then(|t| {
                    t.parse::<u64>()
                        .map_err(|_| format!("{t:?} is not whole seconds"))
                })
                .map_err(|e| format!("function {name}: Timeout: {e}"))?,
        };
        let mut environment = BTreeMap::new();
        for scope in [self.globals.get("Environment"), props.get("Environment")]
            .into_iter()
            .flatten()
        {
            let variables = scope
                .get("Variables")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("function {name}: Environment needs Variables"))?;
            for (variable, value) in variables {
                let value = match self.settings.env_file.get(variable) {
                    Some(overridden) => overridden.clone(),
                    None => self.string(value).map_err(|e| {
                        format!("function {name}: environment variable {variable}: {e}; or set {variable} in --env-file")
                    })?,
                };
                environment.insert(variable.clone(), value);
            }
        }
        Ok(Function {
            name: name.to_string(),
            binary,
            environment,
            timeout: Duration::from_secs(timeout),
        })
    }

    fn api(&self, name: &str, resource: &Value, kind: ApiKind) -> Result<Api, String> {
        let props = properties(resource);
        let known: &[&str] = match kind {
            ApiKind::Rest => &REST_API_PROPERTIES,
            ApiKind::Http => &HTTP_API_PROPERTIES,
        };
        for key in props.keys() {
            if !known.contains(&key.as_str()) && !IGNORED_API_PROPERTIES.contains(&key.as_str()) {
                return Err(format!(
                    "API {name}: property {key} is not supported by local-gateway"
                ));
            }
        }
        let stage = match (props.get("StageName"), kind) {
            (Some(stage), _) => self
                .string(stage)
                .map_err(|e| format!("API {name}: StageName: {e}"))?,
            (None, ApiKind::Http) => "$default".to_string(),
            (None, ApiKind::Rest) => return Err(format!("API {name} has no StageName")),
        };
        let mut authorizers = BTreeMap::new();
        let mut default = None;
        // SAM's default: the default authorizer guards the preflight too (and a preflight
        // carries no token, so browsers then get a 401).
        let mut authorize_preflight = true;
        if let Some(auth) = props.get("Auth") {
            let auth = auth
                .as_object()
                .ok_or_else(|| format!("API {name}: Auth is not a mapping"))?;
            for (key, value) in auth {
                match key.as_str() {
                    "DefaultAuthorizer" => default = Some(self.string(value)?),
                    "Authorizers" => {
                        for (auth_name, spec) in value.as_object().ok_or_else(|| {
                            format!("API {name}: Auth.Authorizers is not a mapping")
                        })? {
                            let authorizer = self
                                .authorizer(auth_name, spec, kind)
                                .map_err(|e| format!("API {name} authorizer {auth_name}: {e}"))?;
                            authorizers.insert(auth_name.clone(), authorizer);
                        }
                    }
                    "AddDefaultAuthorizerToCorsPreflight" => {
                        authorize_preflight = value
                            .as_bool()
                            .ok_or_else(|| format!("API {name}: Auth.AddDefaultAuthorizerToCorsPreflight must be true or false"))?
                    }
                    other => {
                        return Err(format!(
                            "API {name}: Auth.{other} is not supported by local-gateway"
                        ))
                    }
                }
            }
        }
        if let Some(default) = &default {
            if !authorizers.contains_key(default) {
                return Err(format!(
                    "API {name}: DefaultAuthorizer {default} is not among its Authorizers"
                ));
            }
        }
        let id = self
            .settings
            .api_ids
            .get(name)
            .cloned()
            .unwrap_or_else(|| derived_api_id(name));
        Ok(Api {
            name: name.to_string(),
            kind,
            id,
            stage,
            region: self.settings.region.clone(),
            account_id: self.settings.account_id.clone(),
            routes: Vec::new(),
            authorizers,
            cors: self
                .cors(props, kind)
                .map_err(|e| format!("API {name}: {e}"))?,
            gateway_responses: self
                .gateway_responses(props)
                .map_err(|e| format!("API {name}: {e}"))?,
            default_authorizer: default,
            preflight_authorizer: authorize_preflight,
        })
    }

    fn authorizer(&self, name: &str, spec: &Value, kind: ApiKind) -> Result<Authorizer, String> {
        let spec = spec.as_object().ok_or("is not a mapping")?;
        let allowed: &[&str] = match kind {
            ApiKind::Rest => &["FunctionArn", "FunctionPayloadType", "Identity"],
            ApiKind::Http => &[
                "FunctionArn",
                "AuthorizerPayloadFormatVersion",
                "EnableSimpleResponses",
                "EnableFunctionDefaultPermissions",
                "Identity",
            ],
        };
        if let Some(key) = spec.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!(
                "{key} is not supported by local-gateway (Lambda authorizers only)"
            ));
        }
        let function = self.function_ref(spec.get("FunctionArn").ok_or("has no FunctionArn")?)?;
        let identity = spec
            .get("Identity")
            .map(|i| i.as_object().ok_or("Identity is not a mapping"))
            .transpose()?;
        let empty = Map::new();
        let identity = identity.unwrap_or(&empty);
        let list = |key: &str| -> Result<Vec<String>, String> {
            match identity.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => items.iter().map(|i| self.string(i)).collect(),
                Some(_) => Err(format!("Identity.{key} must be a list")),
            }
        };
        let ttl_default = match kind {
            ApiKind::Rest => 300,
            ApiKind::Http => 0,
        };
        let ttl = match identity.get("ReauthorizeEvery") {
            None => ttl_default,
            Some(v) => self
                .string(v)?
                .parse::<u64>()
                .map_err(|_| "Identity.ReauthorizeEvery must be whole seconds".to_string())?,
        };
        let payload = match kind {
            ApiKind::Rest => match spec
                .get("FunctionPayloadType")
                .map(|v| self.string(v))
                .transpose()?
                .as_deref()
            {
                None | Some("TOKEN") => Payload::Token,
                Some("REQUEST") => Payload::Request,
                Some(other) => {
                    return Err(format!(
                        "FunctionPayloadType {other:?} must be TOKEN or REQUEST"
                    ))
                }
            },
            ApiKind::Http => {
                let simple = match spec.get("EnableSimpleResponses") {
                    None => false,
                    Some(v) => v
                        .as_bool()
                        .ok_or("EnableSimpleResponses must be true or false")?,
                };
                match spec
                    .get("AuthorizerPayloadFormatVersion")
                    .map(|v| self.string(v))
                    .transpose()?
                    .as_deref()
                {
                    Some("2.0") => Payload::HttpV2 { simple },
                    Some("1.0") if !simple => Payload::HttpV1,
                    Some("1.0") => {
                        return Err(
                            "EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0".into(),
                        )
                    }
                    _ => {
                        return Err(
                            "AuthorizerPayloadFormatVersion must be \"1.0\" or \"2.0\"".into()
                        )
                    }
                }
            }
        };
        let mut sources = Vec::new();
        let mut known = vec![
            "ReauthorizeEvery",
            "Headers",
            "QueryStrings",
            "StageVariables",
            "Context",
        ];
        if payload == Payload::Token {
            // A TOKEN authorizer reads exactly one header.
            known = vec!["ReauthorizeEvery", "Header"];
            let header = identity
                .get("Header")
                .map(|h| self.string(h))
                .transpose()?
                .unwrap_or_else(|| "Authorization".into());
            sources.push(Source::Header(header));
        } else {
            sources.extend(list("Headers")?.into_iter().map(Source::Header));
            sources.extend(list("QueryStrings")?.into_iter().map(Source::Query));
            sources.extend(
                list("StageVariables")?
                    .into_iter()
                    .map(Source::StageVariable),
            );
            sources.extend(list("Context")?.into_iter().map(Source::Context));
        }
        if let Some(key) = identity.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("Identity.{key} is not supported by local-gateway"));
        }
        if ttl > 0 && sources.is_empty() {
            return Err("caching (ReauthorizeEvery > 0) needs at least one identity source".into());
        }
        Ok(Authorizer {
            name: name.to_string(),
            function,
            payload,
            identity: sources,
            ttl,
        })
    }

    fn route(
        &self,
        function: &str,
        event_name: &str,
        event: &Value,
        apis: &mut [Api],
    ) -> Result<(), String> {
        let what = format!("function {function} event {event_name}");
        let kind = match event.get("Type").and_then(Value::as_str) {
            Some("Api") => ApiKind::Rest,
            Some("HttpApi") => ApiKind::Http,
            other => {
                return Err(format!(
                "{what}: Type {other:?} is not supported by local-gateway (Api and HttpApi are)"
            ))
            }
        };
        let empty = Map::new();
        let props = event
            .get("Properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let api_key = match kind {
            ApiKind::Rest => "RestApiId",
            ApiKind::Http => "ApiId",
        };
        for key in props.keys() {
            if !matches!(key.as_str(), "Path" | "Method" | "Auth") && key != api_key {
                return Err(format!(
                    "{what}: property {key} is not supported by local-gateway"
                ));
            }
        }
        let api_name = match props.get(api_key) {
            Some(Value::Object(r)) if r.contains_key("Ref") => self.string(&r["Ref"])?,
            _ => return Err(format!("{what}: {api_key} must be !Ref to an API of the template (implicit APIs are not supported)")),
        };
        let api = apis
            .iter_mut()
            .find(|a| a.name == api_name && a.kind == kind)
            .ok_or_else(|| {
                format!("{what}: {api_key} {api_name} is not an API of that type in the template")
            })?;
        let path = self.string(
            props
                .get("Path")
                .ok_or_else(|| format!("{what} has no Path"))?,
        )?;
        let method = self
            .string(
                props
                    .get("Method")
                    .ok_or_else(|| format!("{what} has no Method"))?,
            )?
            .to_ascii_uppercase();
        let method = if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
            "ANY".to_string()
        } else {
            method
        };
        if !path.starts_with('/') {
            return Err(format!("{what}: Path {path:?} must start with '/'"));
        }
        let default = api.default_authorizer.clone();
        let authorizer = match props.get("Auth") {
            None => default,
            Some(auth) => {
                let auth = auth
                    .as_object()
                    .ok_or_else(|| format!("{what}: Auth is not a mapping"))?;
                if let Some(key) = auth.keys().find(|k| k.as_str() != "Authorizer") {
                    return Err(format!(
                        "{what}: Auth.{key} is not supported by local-gateway"
                    ));
                }
                match auth.get("Authorizer").map(|a| self.string(a)).transpose()? {
                    None => default,
                    Some(none) if none == "NONE" => None,
                    Some(name) if api.authorizers.contains_key(&name) => Some(name),
                    Some(name) => {
                        return Err(format!(
                            "{what}: Auth.Authorizer {name} is not an authorizer of {api_name}"
                        ))
                    }
                }
            }
        };
        if api
            .routes
            .iter()
            .any(|r| r.method == method && r.path == path)
        {
            return Err(format!(
                "{what}: {method} {path} is defined twice on {api_name}"
            ));
        }
        api.routes.push(Route {
            method,
            path,
            function: function.to_string(),
            authorizer,
            preflight: false,
        });
        Ok(())
    }

    fn cors(&self, props: &Map<String, Value>, kind: ApiKind) -> Result<Option<Cors>, String> {
        match kind {
            ApiKind::Rest => {
                let Some(cors) = props.get("Cors") else {
                    return Ok(None);
                };
                let empty = Map::new();
                let (origin, spec) = match cors.as_object() {
                    Some(o) if !o.keys().any(|k| k.starts_with("Fn::") || k == "Ref") => {
                        (o.get("AllowOrigin").ok_or("Cors needs AllowOrigin")?, o)
                    }
                    _ => (cors, &empty),
                };
                if let Some(key) = spec.keys().find(|k| {
                    !matches!(
                        k.as_str(),
                        "AllowOrigin"
                            | "AllowHeaders"
                            | "AllowMethods"
                            | "MaxAge"
                            | "AllowCredentials"
                    )
                }) {
                    return Err(format!("Cors.{key} is not supported by local-gateway"));
                }
                let quoted = |v: &Value| -> Result<String, String> {
                    let text = self.string(v)?;
                    text.strip_prefix('\'')
                        .and_then(|t| t.strip_suffix('\''))
                        .map(str::to_string)
                        .ok_or_else(|| {
                            format!(
                                "Cors values are quoted strings such as \"'value'\", not {text:?}"
                            )
                        })
                };
                Ok(Some(Cors::Rest {
                    allow_origin: quoted(origin)?,
                    allow_headers: spec.get("AllowHeaders").map(quoted).transpose()?,
                    allow_methods: spec.get("AllowMethods").map(quoted).transpose()?,
                    max_age: spec.get("MaxAge").map(quoted).transpose()?,
                    allow_credentials: spec
                        .get("AllowCredentials")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                }))
            }
            ApiKind::Http => {
                let Some(cors) = props.get("CorsConfiguration") else {
                    return Ok(None);
                };
                if cors == &Value::Bool(true) {
                    return Ok(Some(Cors::Http {
                        allow_origins: vec!["*".into()],
                        allow_headers: vec!["*".into()],
                        allow_methods: vec!["*".into()],
                        expose_headers: Vec::new(),
                        max_age: None,
                        allow_credentials: false,
                    }));
                }
                let spec = cors
                    .as_object()
                    .ok_or("CorsConfiguration must be true or a mapping")?;
                if let Some(key) = spec.keys().find(|k| {
                    !matches!(
                        k.as_str(),
                        "AllowOrigins"
                            | "AllowHeaders"
                            | "AllowMethods"
                            | "ExposeHeaders"
                            | "MaxAge"
                            | "AllowCredentials"
                    )
                }) {
                    return Err(format!(
                        "CorsConfiguration.{key} is not supported by local-gateway"
                    ));
                }
                let list = |key: &str| {
                    spec.get(key)
                        .map(|v| self.list(v))
                        .transpose()
                        .map(Option::unwrap_or_default)
                };
                Ok(Some(Cors::Http {
                    allow_origins: list("AllowOrigins")?,
                    allow_headers: list("AllowHeaders")?,
                    allow_methods: list("AllowMethods")?,
                    expose_headers: list("ExposeHeaders")?,
                    max_age: spec
                        .get("MaxAge")
                        .map(|v| {
                            self.string(v)?
                                .parse::<u64>()
                                .map_err(|_| "CorsConfiguration.MaxAge must be seconds".to_string())
                        })
                        .transpose()?,
                    allow_credentials: spec
                        .get("AllowCredentials")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                }))
            }
        }
    }

    /// REST `GatewayResponses`: only the headers of each type are supported.
    fn gateway_responses(
        &self,
        props: &Map<String, Value>,
    ) -> Result<BTreeMap<String, Vec<(String, String)>>, String> {
        let mut responses = BTreeMap::new();
        for (kind, spec) in props
            .get("GatewayResponses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let spec = spec
                .as_object()
                .ok_or_else(|| format!("GatewayResponses.{kind} is not a mapping"))?;
            if let Some(key) = spec.keys().find(|k| k.as_str() != "ResponseParameters") {
                return Err(format!(
                    "GatewayResponses.{kind}.{key} is not supported by local-gateway"
                ));
            }
            let mut headers = Vec::new();
            let parameters = spec.get("ResponseParameters").and_then(Value::as_object);
            for (group, values) in parameters.into_iter().flatten() {
                if group != "Headers" {
                    return Err(format!("GatewayResponses.{kind}.ResponseParameters.{group} is not supported by local-gateway"));
                }
                for (name, value) in values.as_object().into_iter().flatten() {
                    let text = self.string(value)?;
                    let text = text
                        .strip_prefix('\'')
                        .and_then(|t| t.strip_suffix('\''))
                        .ok_or_else(|| format!("GatewayResponses.{kind} header {name}: only static values (\"'value'\") are supported, not {text:?}"))?;
                    headers.push((name.clone(), text.to_string()));
                }
            }
            responses.insert(kind.clone(), headers);
        }
        Ok(responses)
    }

    /// A list: a YAML list of strings, or `!Split [delimiter, string]`.
    fn list(&self, value: &Value) -> Result<Vec<String>, String> {
        match value {
            Value::Array(items) => items.iter().map(|i| self.string(i)).collect(),
            Value::Object(o) if o.contains_key("Fn::Split") => {
                match o["Fn::Split"].as_array().map(Vec::as_slice) {
                    Some([delimiter, text]) => {
                        let delimiter = delimiter
                            .as_str()
                            .ok_or("Fn::Split's delimiter must be a string")?;
                        Ok(self
                            .string(text)?
                            .split(delimiter)
                            .map(str::to_string)
                            .collect())
                    }
                    _ => Err("Fn::Split takes [delimiter, string]".into()),
                }
            }
            other => Err(format!("{other} is not a list")),
        }
    }

    /// A string value, with `Ref`, `Fn::Sub` and `Fn::GetAtt` resolved.
    fn string(&self, value: &Value) -> Result<String, String> {
        match value {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => scalar(value),
            Value::Object(o) if o.len() == 1 => {
                let (function, argument) = o.iter().next().unwrap();
                match function.as_str() {
                    "Ref" => self.reference(argument.as_str().ok_or("Ref takes a name")?),
                    "Fn::Sub" => self.sub(argument),
                    "Fn::GetAtt" => {
                        let (resource, attribute) = get_att(argument)?;
                        self.attribute(resource, attribute)
                    }
                    "Fn::Select" => match argument.as_array().map(Vec::as_slice) {
                        Some([index, list]) => {
                            let index: usize = self
                                .string(index)?
                                .parse()
                                .map_err(|_| "Fn::Select's index must be a number")?;
                            self.list(list)?
                                .get(index)
                                .cloned()
                                .ok_or_else(|| format!("Fn::Select index {index} is out of range"))
                        }
                        _ => Err("Fn::Select takes [index, list]".into()),
                    },
                    other => Err(format!(
                        "the intrinsic {other} is not supported by local-gateway"
                    )),
                }
            }
            other => Err(format!("{other} is not a string")),
        }
    }

    fn reference(&self, name: &str) -> Result<String, String> {
        match name {
            "AWS::Region" => return Ok(self.settings.region.clone()),
            "AWS::AccountId" => return Ok(self.settings.account_id.clone()),
            "AWS::Partition" => return Ok("aws".into()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            "AWS::StackName" => return Ok("local".into()),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return value.clone().ok_or_else(|| {
                format!("parameter {name} has no Default; pass --parameter-overrides {name}=…")
            });
        }
        if let Some(resource) = self.resources.get(name) {
            // A resource's Ref is its physical name; locally that is its logical id, unless
            // the template names it (a table's TableName).
            if resource.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table") {
                if let Some(table_name) = properties(resource).get("TableName") {
                    return self.string(table_name);
                }
            }
            return Ok(name.to_string());
        }
        Err(format!(
            "Ref {name} names neither a parameter nor a resource"
        ))
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<String, String> {
        let kind = self
            .resources
            .get(resource)
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str);
        match (kind, attribute) {
            (Some("AWS::Serverless::Function"), "Arn") => Ok(format!(
                "arn:aws:lambda:{}:{}:function:{resource}",
                self.settings.region, self.settings.account_id
            )),
            (Some("AWS::DynamoDB::Table"), "Arn") => Ok(format!(
                "arn:aws:dynamodb:{}:{}:table/{}",
                self.settings.region,
                self.settings.account_id,
                self.reference(resource)?
            )),
            _ => Err(format!(
                "!GetAtt {resource}.{attribute} is not supported by local-gateway"
            )),
        }
    }

    fn sub(&self, argument: &Value) -> Result<String, String> {
        let (text, variables) = match argument {
            Value::String(text) => (text.as_str(), None),
            Value::Array(pair) if pair.len() == 2 => (
                pair[0]
                    .as_str()
                    .ok_or("Fn::Sub's first item must be a string")?,
                pair[1].as_object(),
            ),
            _ => return Err("Fn::Sub takes a string or [string, variables]".into()),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub {text:?} has an unclosed ${{"))?;
            let name = &after[..end];
            let value = match (variables.and_then(|v| v.get(name)), name.split_once('.')) {
                (Some(v), _) => self.string(v)?,
                (None, Some((resource, attribute))) if self.resources.contains_key(resource) => {
                    self.attribute(resource, attribute)?
                }
                (None, _) => self.reference(name)?,
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The function a `FunctionArn` points at: `!GetAtt F.Arn` or a `!Sub` of `${F.Arn}`.
    fn function_ref(&self, value: &Value) -> Result<String, String> {
        let name = match value.as_object().and_then(|o| o.iter().next()) {
            Some((f, argument)) if f == "Fn::GetAtt" => match get_att(argument)? {
                (resource, "Arn") => resource.to_string(),
                (resource, attribute) => {
                    return Err(format!(
                        "FunctionArn !GetAtt {resource}.{attribute} must name .Arn"
                    ))
                }
            },
            Some((f, Value::String(text))) if f == "Fn::Sub" => text
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix(".Arn}"))
                .ok_or_else(|| format!("FunctionArn !Sub {text:?} must be \"${{Function.Arn}}\""))?
                .to_string(),
            _ => {
                return Err(
                    "FunctionArn must be !GetAtt Function.Arn of a function in this template"
                        .into(),
                )
            }
        };
        match self
            .resources
            .get(&name)
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str)
        {
            Some("AWS::Serverless::Function") => Ok(name),
            _ => Err(format!(
                "FunctionArn names {name}, which is not an AWS::Serverless::Function"
            )),
        }
    }
}

/// REST `Cors` adds a mock `OPTIONS` method to every path that has none, as SAM does; the
/// default authorizer guards it unless `AddDefaultAuthorizerToCorsPreflight: false`.
fn add_preflights(api: &mut Api) {
    if !matches!(api.cors, Some(Cors::Rest { .. })) {
        return;
    }
    let mut paths: Vec<String> = api.routes.iter().map(|r| r.path.clone()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        if api
            .routes
            .iter()
            .any(|r| r.path == path && (r.method == "OPTIONS" || r.method == "ANY"))
        {
            continue;
        }
        api.routes.push(Route {
            method: "OPTIONS".into(),
            path,
            function: String::new(),
            authorizer: api
                .default_authorizer
                .clone()
                .filter(|_| api.preflight_authorizer),
            preflight: true,
        });
    }
}

fn properties(resource: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    resource
        .get("Properties")
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn scalar(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{other} is not a plain value")),
    }
}

fn get_att(argument: &Value) -> Result<(&str, &str), String> {
    match argument {
        Value::Array(pair) if pair.len() == 2 => match (pair[0].as_str(), pair[1].as_str()) {
            (Some(r), Some(a)) => Ok((r, a)),
            _ => Err("Fn::GetAtt takes [Resource, Attribute]".into()),
        },
        Value::String(path) => path
            .split_once('.')
            .ok_or_else(|| format!("Fn::GetAtt {path:?} must be Resource.Attribute")),
        _ => Err("Fn::GetAtt takes [Resource, Attribute]".into()),
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
