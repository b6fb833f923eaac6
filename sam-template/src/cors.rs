//! REST `Cors` and `GatewayResponses`, HTTP API `CorsConfiguration`: read as API Gateway applies
//! them, and the mock `OPTIONS` methods SAM adds.

use super::*;

impl Reader<'_> {
    pub(super) fn cors(
        &self,
        props: &Map<String, Value>,
        kind: ApiKind,
    ) -> Result<Option<Cors>, String> {
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
                    static_value(&text).map(str::to_string).ok_or_else(|| {
                        format!("Cors values are quoted strings such as \"'value'\", not {text:?}")
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
    pub(super) fn gateway_responses(
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
                    let text = static_value(&text)
                        .ok_or_else(|| format!("GatewayResponses.{kind} header {name}: only static values (\"'value'\") are supported, not {text:?}"))?;
                    headers.push((name.clone(), text.to_string()));
                }
            }
            responses.insert(kind.clone(), headers);
        }
        Ok(responses)
    }
}

/// REST `Cors` adds a mock `OPTIONS` method to every path that has none, as SAM does; the
/// default authorizer guards it unless `AddDefaultAuthorizerToCorsPreflight: false`, and with
/// the API's `Auth.ApiKeyRequired` it needs the key unless `AddApiKeyRequiredToCorsPreflight:
/// false`.
pub(super) fn add_preflights(api: &mut Api) {
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
            timeout: None,
            api_key_required: api.api_key_required && api.preflight_api_key,
        });
    }
}
