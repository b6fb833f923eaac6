//! Raw REST API resources (`AWS::ApiGateway::*`), as templates written without SAM declare them:
//! a `RestApi`, its `Resource` tree, `Method`s with Lambda proxy integrations, `Authorizer`s
//! (TOKEN and REQUEST), a `Stage` (or a `Deployment` with a `StageName`) and
//! `GatewayResponse`s. They become the same `Api`, `Route` and `Authorizer` values as SAM's
//! forms, so the gateway serves both the same way.

use super::raw;
use super::*;

const API_PROPERTIES: [&str; 2] = ["Name", "ApiKeySourceType"];
const IGNORED_API_PROPERTIES: [&str; 4] = [
    "Description",
    "EndpointConfiguration",
    "Tags",
    "DisableExecuteApiEndpoint",
];
const METHOD_PROPERTIES: [&str; 7] = [
    "ApiKeyRequired",
    "RestApiId",
    "ResourceId",
    "HttpMethod",
    "AuthorizationType",
    "AuthorizerId",
    "Integration",
];
const IGNORED_METHOD_PROPERTIES: [&str; 2] = ["MethodResponses", "OperationName"];
const AUTHORIZER_PROPERTIES: [&str; 7] = [
    "RestApiId",
    "Type",
    "AuthorizerUri",
    "IdentitySource",
    "AuthorizerResultTtlInSeconds",
    "IdentityValidationExpression",
    "Name",
];
const STAGE_PROPERTIES: [&str; 3] = ["RestApiId", "StageName", "DeploymentId"];
const IGNORED_STAGE_PROPERTIES: [&str; 6] = [
    "Description",
    "MethodSettings",
    "TracingEnabled",
    "AccessLogSetting",
    "Tags",
    "CacheClusterEnabled",
];

impl Reader<'_> {
    /// Every `AWS::ApiGateway::RestApi` of the template, with what names it.
    pub(super) fn raw_rest_apis(&self) -> Result<Vec<Api>, String> {
        self.of_type("AWS::ApiGateway::RestApi")
            .map(|(name, resource)| {
                self.raw_rest_api(name, resource)
                    .map_err(|e| format!("REST API {name}: {e}"))
            })
            .collect()
    }

    fn raw_rest_api(&self, name: &str, resource: &Value) -> Result<Api, String> {
        self.known_properties(
            "the API",
            resource,
            &API_PROPERTIES,
            &IGNORED_API_PROPERTIES,
        )
        .map_err(|e| {
            format!(
                "{e} (an OpenAPI Body, a resource Policy and binary media types are not emulated)"
            )
        })?;
        let api_key_source = self.api_key_source(properties(resource))?;
        let authorizers =
            self.api_authorizers("AWS::ApiGateway::Authorizer", "RestApiId", name, |n, r| {
                self.raw_rest_authorizer(n, r)
            })?;
        let mut routes = Vec::new();
        let mut cors = None;
        for (method_name, method) in self.owned_by("AWS::ApiGateway::Method", "RestApiId", name) {
            let (route, preflight_cors) = self
                .raw_rest_method(name, method, &authorizers)
                .map_err(|e| format!("method {method_name}: {e}"))?;
            if let Some(found) = preflight_cors {
                if cors.as_ref().is_some_and(|c| *c != found) {
                    return Err(format!(
                        "method {method_name}: its CORS headers differ from another preflight's; \
                         local-gateway serves one CORS setting per API"
                    ));
                }
                cors = Some(found);
            }
            routes.push(route);
        }
        let mut gateway_responses = BTreeMap::new();
        for (response_name, response) in
            self.owned_by("AWS::ApiGateway::GatewayResponse", "RestApiId", name)
        {
            let (kind, headers) = self
                .raw_gateway_response(response)
                .map_err(|e| format!("gateway response {response_name}: {e}"))?;
            gateway_responses.insert(kind, headers);
        }
        Ok(Api {
            name: name.to_string(),
            kind: ApiKind::Rest,
            id: self.api_id(name),
            stage: self.raw_rest_stage(name)?,
            region: self.settings.region.clone(),
            account_id: self.settings.account_id.clone(),
            routes,
            authorizers,
            default_authorizer: None,
            cors,
            preflight_authorizer: false,
            gateway_responses,
            needs_permissions: true,
            throttle: None,
            api_key_source,
            api_key_required: false,
            preflight_api_key: false,
            sam_usage_plan: None,
            access_log: None,
        })
    }

    /// The stage served: one `AWS::ApiGateway::Stage`, or a `Deployment`'s `StageName`.
    fn raw_rest_stage(&self, api: &str) -> Result<String, String> {
        let mut stages = self.stage_names(
            "AWS::ApiGateway::Stage",
            "RestApiId",
            api,
            &STAGE_PROPERTIES,
            &IGNORED_STAGE_PROPERTIES,
        )?;
        for (_, deployment) in self.owned_by("AWS::ApiGateway::Deployment", "RestApiId", api) {
            if let Some(stage_name) = properties(deployment).get("StageName") {
                stages.push(self.string(stage_name)?);
            }
        }
        stages.dedup();
        raw::one_stage(
            &stages,
            "has no stage (an AWS::ApiGateway::Stage, or a Deployment's StageName)",
        )
    }

    /// The path of a `ResourceId`/`ParentId`: `!GetAtt Api.RootResourceId` is `/`, `!Ref R`
    /// is `R`'s parent path and its `PathPart`.
    fn raw_rest_path(&self, api: &str, id: &Value, depth: usize) -> Result<String, String> {
        if depth > 64 {
            return Err("the resource tree has a cycle".into());
        }
        if let Some(get_att) = id.get("Fn::GetAtt") {
            let names: Vec<&str> = match get_att {
                Value::Array(pair) => pair.iter().filter_map(Value::as_str).collect(),
                Value::String(path) => path.split('.').collect(),
                _ => Vec::new(),
            };
            return match names.as_slice() {
                [owner, "RootResourceId"] if *owner == api => Ok("/".into()),
                _ => Err(format!("{get_att} is not !GetAtt {api}.RootResourceId")),
            };
        }
        let name = self
            .ref_name(id)
            .ok_or("a resource id must be !Ref Resource or !GetAtt Api.RootResourceId")?;
        let resource = self
            .resources
            .get(name)
            .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::ApiGateway::Resource"))
            .ok_or_else(|| format!("{name} is not an AWS::ApiGateway::Resource"))?;
        let props = properties(resource);
        self.known_properties(
            &format!("resource {name}"),
            resource,
            &["RestApiId", "ParentId", "PathPart"],
            &[],
        )?;
        if props.get("RestApiId").and_then(|v| self.ref_name(v)) != Some(api) {
            return Err(format!("resource {name} belongs to another API"));
        }
        let parent = self.raw_rest_path(
            api,
            props
                .get("ParentId")
                .ok_or_else(|| format!("resource {name} has no ParentId"))?,
            depth + 1,
        )?;
        let part = self.string(
            props
                .get("PathPart")
                .ok_or_else(|| format!("resource {name} has no PathPart"))?,
        )?;
        Ok(format!("{}/{part}", parent.trim_end_matches('/')))
    }

    /// A method → its route, and for a CORS preflight (a MOCK `OPTIONS`) its headers.
    fn raw_rest_method(
        &self,
        api: &str,
        method: &Value,
        authorizers: &BTreeMap<String, Authorizer>,
    ) -> Result<(Route, Option<Cors>), String> {
        self.known_properties("it", method, &METHOD_PROPERTIES, &IGNORED_METHOD_PROPERTIES)?;
        let props = properties(method);
        let http_method = self
            .string(props.get("HttpMethod").ok_or("has no HttpMethod")?)?
            .to_ascii_uppercase();
        let path =
            self.raw_rest_path(api, props.get("ResourceId").ok_or("has no ResourceId")?, 0)?;
        let authorizer =
            self.method_authorizer(props, authorizers, "AWS::ApiGateway::Authorizer")?;
        let integration = props
            .get("Integration")
            .and_then(Value::as_object)
            .ok_or("has no Integration")?;
        let kind = integration
            .get("Type")
            .map(|v| self.string(v))
            .transpose()?
            .unwrap_or_default();
        let api_key_required = self.flag(props, "ApiKeyRequired")?;
        let timeout = self
            .integration_timeout(integration.get("TimeoutInMillis"), ApiKind::Rest)
            .map_err(|e| format!("Integration.{e}"))?;
        let route = |function: String, preflight: bool| Route {
            method: http_method.clone(),
            path: path.clone(),
            function,
            authorizer: authorizer.clone(),
            preflight,
            timeout,
            api_key_required,
        };
        match kind.as_str() {
            "AWS_PROXY" => {
                for key in integration.keys() {
                    if !matches!(key.as_str(), "Type" | "Uri" | "IntegrationHttpMethod" | "TimeoutInMillis") {
                        return Err(format!("Integration.{key} is not supported by local-gateway"));
                    }
                }
                if let Some(verb) = integration.get("IntegrationHttpMethod") {
                    if self.string(verb)? != "POST" {
                        return Err("a Lambda proxy integration's IntegrationHttpMethod must be POST".into());
                    }
                }
                let function = self.function_ref(integration.get("Uri").ok_or("Integration has no Uri")?)?;
                Ok((route(function, false), None))
            }
            "MOCK" if http_method == "OPTIONS" => Ok((route(String::new(), true), Some(self.mock_cors(integration)?))),
            other => Err(format!(
                "Integration.Type {other:?} is not supported by local-gateway: it serves Lambda proxy \
                 integrations (AWS_PROXY) and MOCK CORS preflights (OPTIONS) only"
            )),
        }
    }

    /// A MOCK preflight's headers, from its integration response's `ResponseParameters`.
    fn mock_cors(&self, integration: &Map<String, Value>) -> Result<Cors, String> {
        let responses = integration
            .get("IntegrationResponses")
            .and_then(Value::as_array)
            .ok_or("a MOCK preflight needs IntegrationResponses with the CORS headers")?;
        let mut headers = BTreeMap::new();
        for response in responses {
            for (key, value) in response
                .get("ResponseParameters")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(header) = key.strip_prefix("method.response.header.") {
                    let text = self.string(value)?;
                    let text = static_value(&text).ok_or_else(|| {
                        format!("{key} must be a quoted static value such as \"'*'\"")
                    })?;
                    headers.insert(header.to_ascii_lowercase(), text.to_string());
                }
            }
        }
        Ok(Cors::Rest {
            allow_origin: headers
                .remove("access-control-allow-origin")
                .ok_or("the MOCK preflight sets no Access-Control-Allow-Origin")?,
            allow_headers: headers.remove("access-control-allow-headers"),
            allow_methods: headers.remove("access-control-allow-methods"),
            max_age: headers.remove("access-control-max-age"),
            allow_credentials: headers
                .remove("access-control-allow-credentials")
                .as_deref()
                == Some("true"),
        })
    }

    fn raw_rest_authorizer(&self, name: &str, resource: &Value) -> Result<Authorizer, String> {
        self.known_properties("it", resource, &AUTHORIZER_PROPERTIES, &[])
            .map_err(|e| {
                format!("{e} (Lambda authorizers invoked with API Gateway's own permission only)")
            })?;
        let props = properties(resource);
        let text = |key: &str| props.get(key).map(|v| self.string(v)).transpose();
        let payload = match text("Type")?.as_deref() {
            Some("TOKEN") => Payload::Token,
            Some("REQUEST") => Payload::Request,
            other => {
                return Err(format!(
                    "Type {other:?} is not supported by local-gateway (TOKEN and REQUEST are)"
                ))
            }
        };
        let function =
            self.function_ref(props.get("AuthorizerUri").ok_or("has no AuthorizerUri")?)?;
        let identity: Vec<Source> = text("IdentitySource")?
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|source| raw::identity_source(source, raw::REST_SOURCES))
            .collect::<Result<_, _>>()?;
        if payload == Payload::Token && !matches!(identity.as_slice(), [Source::Header(_)]) {
            return Err(
                "a TOKEN authorizer's IdentitySource is one method.request.header.X".into(),
            );
        }
        let ttl = self.result_ttl(props, 300, &identity)?;
        let validation = match text("IdentityValidationExpression")? {
            Some(_) if payload != Payload::Token => {
                return Err("IdentityValidationExpression applies to TOKEN authorizers only".into())
            }
            Some(expression) => Some(Validation::new(&expression)?),
            None => None,
        };
        Ok(Authorizer {
            name: name.to_string(),
            function,
            payload,
            identity,
            ttl,
            validation,
        })
    }

    /// A `GatewayResponse` → its type and static headers.
    fn raw_gateway_response(
        &self,
        resource: &Value,
    ) -> Result<(String, Vec<(String, String)>), String> {
        self.known_properties(
            "it",
            resource,
            &["RestApiId", "ResponseType", "ResponseParameters"],
            &[],
        )
        .map_err(|e| format!("{e} (only headers are emulated)"))?;
        let props = properties(resource);
        let kind = self.string(props.get("ResponseType").ok_or("has no ResponseType")?)?;
        let mut headers = Vec::new();
        for (key, value) in props
            .get("ResponseParameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let header = key
                .strip_prefix("gatewayresponse.header.")
                .ok_or_else(|| format!("{key}: only gatewayresponse.header.X is supported"))?;
            let text = self.string(value)?;
            let text = static_value(&text)
                .ok_or_else(|| format!("{key} must be a quoted static value such as \"'*'\""))?;
            headers.push((header.to_string(), text.to_string()));
        }
        Ok((kind, headers))
    }
}
