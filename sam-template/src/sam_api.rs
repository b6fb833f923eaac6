//! SAM's `AWS::Serverless::Api` and `AWS::Serverless::HttpApi`: stages, authorizers, and the
//! routes that functions' `Api`/`HttpApi` events add to them.

use super::*;

const REST_API_PROPERTIES: [&str; 8] = [
    "ApiKeySourceType",
    "StageName",
    "Auth",
    "Name",
    "Cors",
    "GatewayResponses",
    "MethodSettings",
    "AccessLogSetting",
];
const HTTP_API_PROPERTIES: [&str; 6] = [
    "StageName",
    "Auth",
    "Name",
    "CorsConfiguration",
    "DefaultRouteSettings",
    "AccessLogSettings",
];
const IGNORED_API_PROPERTIES: [&str; 6] = [
    "Description",
    "EndpointConfiguration",
    "TracingEnabled",
    "Tags",
    // Without it SAM also makes a stage named `Stage`; the routes are the same.
    "OpenApiVersion",
    "PropagateTags",
];

/// The APIs SAM makes for `Api` and `HttpApi` events that name none, and their stages.
const IMPLICIT_REST_API: (&str, &str) = ("ServerlessRestApi", "Prod");
const IMPLICIT_HTTP_API: (&str, &str) = ("ServerlessHttpApi", "$default");

impl Reader<'_> {
    pub(super) fn api(&self, name: &str, resource: &Value, kind: ApiKind) -> Result<Api, String> {
        let globals = match kind {
            ApiKind::Rest => &self.api_globals,
            ApiKind::Http => &self.http_api_globals,
        };
        let props = &merge(globals, properties(resource));
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
        let mut api_key_required = false;
        let mut preflight_api_key = true;
        let mut sam_usage_plan = None;
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
                    "UsagePlan" if kind == ApiKind::Rest => {
                        sam_usage_plan = self
                            .sam_usage_plan(name, &stage, value)
                            .map_err(|e| format!("API {name}: Auth.UsagePlan {e}"))?
                    }
                    // A usage plan's keys for every method.
                    "ApiKeyRequired" if kind == ApiKind::Rest => {
                        api_key_required = self.flag(auth, "ApiKeyRequired")?
                    }
                    "AddDefaultAuthorizerToCorsPreflight" => {
                        authorize_preflight = value
                            .as_bool()
                            .ok_or_else(|| format!("API {name}: Auth.AddDefaultAuthorizerToCorsPreflight must be true or false"))?
                    }
                    "AddApiKeyRequiredToCorsPreflight" if kind == ApiKind::Rest => {
                        preflight_api_key = self.flag(auth, key)?
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
        Ok(Api {
            name: name.to_string(),
            kind,
            id: self.api_id(name),
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
            needs_permissions: false,
            throttle: self
                .throttle(props, kind)
                .map_err(|e| format!("API {name}: {e}"))?,
            api_key_source: self.api_key_source(props)?,
            api_key_required,
            preflight_api_key,
            sam_usage_plan,
            access_log: props
                .get(match kind {
                    ApiKind::Rest => "AccessLogSetting",
                    ApiKind::Http => "AccessLogSettings",
                })
                .and_then(|setting| setting.get("Format"))
                .map(|format| self.string(format))
                .transpose()
                .map_err(|e| format!("API {name}: the access log Format: {e}"))?,
        })
    }

    /// The stage's throttling: REST `MethodSettings` for every method (`/*`, `*`), HTTP API
    /// `DefaultRouteSettings`. Per-method settings are refused: one bucket per stage here.
    fn throttle(
        &self,
        props: &Map<String, Value>,
        kind: ApiKind,
    ) -> Result<Option<Throttle>, String> {
        let settings = match kind {
            ApiKind::Http => match props.get("DefaultRouteSettings") {
                None => return Ok(None),
                Some(settings) => settings,
            },
            ApiKind::Rest => match props
                .get("MethodSettings")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                None | Some([]) => return Ok(None),
                Some([all]) => {
                    let text = |key: &str| all.get(key).map(|v| self.string(v)).transpose();
                    if text("ResourcePath")?.as_deref() != Some("/*")
                        || text("HttpMethod")?.as_deref() != Some("*")
                    {
                        return Err(
                            "MethodSettings must be one entry for ResourcePath /* and HttpMethod *"
                                .into(),
                        );
                    }
                    all
                }
                Some(_) => {
                    return Err("MethodSettings must be one entry for every method (/*, *)".into())
                }
            },
        };
        let number = |key: &str| -> Result<Option<f64>, String> {
            settings
                .get(key)
                .map(|v| {
                    Throttle::number(&self.string(v)?)
                        .ok_or_else(|| format!("{key} must be a number"))
                })
                .transpose()
        };
        Ok(
            match (
                number("ThrottlingRateLimit")?,
                number("ThrottlingBurstLimit")?,
            ) {
                (Some(rate), Some(burst)) => Some(Throttle { rate, burst }),
                (None, None) => None,
                _ => return Err("set both ThrottlingRateLimit and ThrottlingBurstLimit".into()),
            },
        )
    }

    pub(super) fn authorizer(
        &self,
        name: &str,
        spec: &Value,
        kind: ApiKind,
    ) -> Result<Authorizer, String> {
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
            validation: None,
        })
    }

    /// `ServerlessRestApi` and `ServerlessHttpApi` when some function's event names no API, as
    /// SAM makes them (with `Globals.Api` and `Globals.HttpApi` applied, as to any SAM API).
    pub(super) fn implicit_apis(&self) -> Result<Vec<Api>, String> {
        let mut apis = Vec::new();
        for (kind, event_type, key, (name, stage)) in [
            (ApiKind::Rest, "Api", "RestApiId", IMPLICIT_REST_API),
            (ApiKind::Http, "HttpApi", "ApiId", IMPLICIT_HTTP_API),
        ] {
            let used = self
                .of_type("AWS::Serverless::Function")
                .filter_map(|(_, f)| properties(f).get("Events")?.as_object())
                .flat_map(|events| events.values())
                .any(|e| {
                    e.get("Type").and_then(Value::as_str) == Some(event_type)
                        && e.pointer(&format!("/Properties/{key}")).is_none()
                });
            if used && !self.resources.contains_key(name) {
                let resource = serde_json::json!({"Properties": {"StageName": stage}});
                apis.push(self.api(name, &resource, kind)?);
            }
        }
        Ok(apis)
    }

    pub(super) fn route(
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
            if !matches!(key.as_str(), "Path" | "Method" | "Auth" | "TimeoutInMillis")
                && key != api_key
            {
                return Err(format!(
                    "{what}: property {key} is not supported by local-gateway"
                ));
            }
        }
        let api_name = match props.get(api_key) {
            Some(Value::Object(r)) if r.contains_key("Ref") => self.string(&r["Ref"])?,
            None if kind == ApiKind::Rest => IMPLICIT_REST_API.0.to_string(),
            None => IMPLICIT_HTTP_API.0.to_string(),
            _ => {
                return Err(format!(
                    "{what}: {api_key} must be !Ref to an API of the template"
                ))
            }
        };
        let timeout = self
            .integration_timeout(props.get("TimeoutInMillis"), kind)
            .map_err(|e| format!("{what}: {e}"))?;
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
        let api_key_required = match props.get("Auth").and_then(Value::as_object) {
            Some(auth) if auth.contains_key("ApiKeyRequired") => {
                self.flag(auth, "ApiKeyRequired")?
            }
            _ => api.api_key_required,
        };
        let authorizer = match props.get("Auth") {
            None => default,
            Some(auth) => {
                let auth = auth
                    .as_object()
                    .ok_or_else(|| format!("{what}: Auth is not a mapping"))?;
                let known = |k: &str| {
                    k == "Authorizer" || (k == "ApiKeyRequired" && api.kind == ApiKind::Rest)
                };
                if let Some(key) = auth.keys().find(|k| !known(k)) {
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
            timeout,
            api_key_required,
        });
        Ok(())
    }
}

/// SAM's `Globals` under a resource's properties: maps merge, key by key; anything else the
/// resource says wins.
fn merge(globals: &Map<String, Value>, local: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = globals.clone();
    for (key, value) in local {
        let combined = match (merged.get(key), value) {
            (Some(Value::Object(g)), Value::Object(l)) => Value::Object(merge(g, l)),
            _ => value.clone(),
        };
        merged.insert(key.clone(), combined);
    }
    merged
}
