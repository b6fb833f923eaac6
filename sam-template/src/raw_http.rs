//! Raw HTTP API resources (`AWS::ApiGatewayV2::*`): an `Api` (protocol HTTP), its `Route`s,
//! Lambda proxy `Integration`s, REQUEST `Authorizer`s and a `Stage`. They become the same
//! `Api`, `Route` and `Authorizer` values as SAM's `HttpApi`.

use super::raw;
use super::*;

const API_PROPERTIES: [&str; 3] = ["Name", "ProtocolType", "CorsConfiguration"];
const IGNORED_API_PROPERTIES: [&str; 4] = [
    "Description",
    "Tags",
    "DisableExecuteApiEndpoint",
    "Version",
];
const ROUTE_PROPERTIES: [&str; 5] = [
    "ApiId",
    "RouteKey",
    "Target",
    "AuthorizationType",
    "AuthorizerId",
];
const IGNORED_ROUTE_PROPERTIES: [&str; 1] = ["OperationName"];
const INTEGRATION_PROPERTIES: [&str; 5] = [
    "ApiId",
    "IntegrationType",
    "IntegrationUri",
    "PayloadFormatVersion",
    "IntegrationMethod",
];
const IGNORED_INTEGRATION_PROPERTIES: [&str; 2] = ["Description", "TimeoutInMillis"];
const AUTHORIZER_PROPERTIES: [&str; 8] = [
    "ApiId",
    "AuthorizerType",
    "AuthorizerUri",
    "IdentitySource",
    "AuthorizerPayloadFormatVersion",
    "EnableSimpleResponses",
    "AuthorizerResultTtlInSeconds",
    "Name",
];
const STAGE_PROPERTIES: [&str; 2] = ["ApiId", "StageName"];
const IGNORED_STAGE_PROPERTIES: [&str; 6] = [
    "AutoDeploy",
    "Description",
    "Tags",
    "AccessLogSettings",
    "DefaultRouteSettings",
    "DeploymentId",
];

impl Reader<'_> {
    /// Every `AWS::ApiGatewayV2::Api` of the template, with what names it.
    pub(super) fn raw_http_apis(&self) -> Result<Vec<Api>, String> {
        self.of_type("AWS::ApiGatewayV2::Api")
            .map(|(name, resource)| {
                self.raw_http_api(name, resource)
                    .map_err(|e| format!("HTTP API {name}: {e}"))
            })
            .collect()
    }

    fn raw_http_api(&self, name: &str, resource: &Value) -> Result<Api, String> {
        self.known_properties(
            "the API",
            resource,
            &API_PROPERTIES,
            &IGNORED_API_PROPERTIES,
        )
        .map_err(|e| {
            format!("{e} (quick create, an OpenAPI Body and WebSocket APIs are not emulated)")
        })?;
        let props = properties(resource);
        let protocol = props
            .get("ProtocolType")
            .map(|v| self.string(v))
            .transpose()?;
        if protocol.as_deref() != Some("HTTP") {
            return Err(format!(
                "ProtocolType {protocol:?} is not supported by local-gateway (HTTP is)"
            ));
        }
        let authorizers =
            self.api_authorizers("AWS::ApiGatewayV2::Authorizer", "ApiId", name, |n, r| {
                self.raw_http_authorizer(n, r)
            })?;
        let mut routes = Vec::new();
        for (route_name, route) in self.owned_by("AWS::ApiGatewayV2::Route", "ApiId", name) {
            routes.push(
                self.raw_http_route(name, route, &authorizers)
                    .map_err(|e| format!("route {route_name}: {e}"))?,
            );
        }
        let stages = self.stage_names(
            "AWS::ApiGatewayV2::Stage",
            "ApiId",
            name,
            &STAGE_PROPERTIES,
            &IGNORED_STAGE_PROPERTIES,
        )?;
        let stage = raw::one_stage(&stages, "has no AWS::ApiGatewayV2::Stage")?;
        Ok(Api {
            name: name.to_string(),
            kind: ApiKind::Http,
            id: self.api_id(name),
            stage,
            region: self.settings.region.clone(),
            account_id: self.settings.account_id.clone(),
            routes,
            authorizers,
            default_authorizer: None,
            cors: self.cors(props, ApiKind::Http)?,
            preflight_authorizer: false,
            gateway_responses: BTreeMap::new(),
            needs_permissions: true,
            throttle: None,
            api_key_source: ApiKeySource::Header,
            api_key_required: false,
            preflight_api_key: false,
            sam_usage_plan: None,
            access_log: None,
        })
    }

    fn raw_http_route(
        &self,
        api: &str,
        route: &Value,
        authorizers: &BTreeMap<String, Authorizer>,
    ) -> Result<Route, String> {
        self.known_properties("it", route, &ROUTE_PROPERTIES, &IGNORED_ROUTE_PROPERTIES)?;
        let props = properties(route);
        let key = self.string(props.get("RouteKey").ok_or("has no RouteKey")?)?;
        let (method, path) = match key.split_once(' ') {
            Some((method, path)) if path.starts_with('/') => {
                (method.to_ascii_uppercase(), path.to_string())
            }
            _ if key == "$default" => ("ANY".to_string(), "/{proxy+}".to_string()),
            _ => {
                return Err(format!(
                    "RouteKey {key:?} must be \"METHOD /path\" or $default"
                ))
            }
        };
        let authorizer =
            self.method_authorizer(props, authorizers, "AWS::ApiGatewayV2::Authorizer")?;
        // `integrations/<id>`, the id being the integration's Ref (locally its logical id).
        let target = self.string(
            props
                .get("Target")
                .ok_or("has no Target (an integration)")?,
        )?;
        let integration = target
            .strip_prefix("integrations/")
            .and_then(|name| self.resources.get(name).map(|r| (name, r)))
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::ApiGatewayV2::Integration")
            })
            .ok_or_else(|| {
                format!("Target {target:?} is not integrations/<an AWS::ApiGatewayV2::Integration>")
            })?;
        let function = self
            .raw_http_integration(api, integration.1)
            .map_err(|e| format!("integration {}: {e}", integration.0))?;
        Ok(Route {
            method,
            path,
            function,
            authorizer,
            preflight: false,
            timeout: None,
            api_key_required: false,
        })
    }

    fn raw_http_integration(&self, api: &str, integration: &Value) -> Result<String, String> {
        self.known_properties(
            "it",
            integration,
            &INTEGRATION_PROPERTIES,
            &IGNORED_INTEGRATION_PROPERTIES,
        )?;
        let props = properties(integration);
        if props.get("ApiId").and_then(|v| self.ref_name(v)) != Some(api) {
            return Err("belongs to another API".into());
        }
        let text = |key: &str| props.get(key).map(|v| self.string(v)).transpose();
        if text("IntegrationType")?.as_deref() != Some("AWS_PROXY") {
            return Err("IntegrationType must be AWS_PROXY: local-gateway serves Lambda proxy integrations only".into());
        }
        if text("PayloadFormatVersion")?.as_deref() != Some("2.0") {
            return Err(
                "PayloadFormatVersion must be \"2.0\" (the format local-gateway sends)".into(),
            );
        }
        self.function_ref(props.get("IntegrationUri").ok_or("has no IntegrationUri")?)
    }

    fn raw_http_authorizer(&self, name: &str, resource: &Value) -> Result<Authorizer, String> {
        self.known_properties("it", resource, &AUTHORIZER_PROPERTIES, &[])?;
        let props = properties(resource);
        let text = |key: &str| props.get(key).map(|v| self.string(v)).transpose();
        if text("AuthorizerType")?.as_deref() != Some("REQUEST") {
            return Err("AuthorizerType must be REQUEST (a Lambda authorizer); JWT authorizers are not emulated".into());
        }
        let function =
            self.function_ref(props.get("AuthorizerUri").ok_or("has no AuthorizerUri")?)?;
        let simple = match props.get("EnableSimpleResponses") {
            None => false,
            Some(v) => self.string(v)? == "true",
        };
        let payload = match (text("AuthorizerPayloadFormatVersion")?.as_deref(), simple) {
            (Some("2.0"), simple) => Payload::HttpV2 { simple },
            (Some("1.0"), false) => Payload::HttpV1,
            (Some("1.0"), true) => {
                return Err("EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0".into())
            }
            _ => return Err("AuthorizerPayloadFormatVersion must be \"1.0\" or \"2.0\"".into()),
        };
        let sources = match props.get("IdentitySource") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| self.string(i))
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => vec![self.string(other)?],
        };
        let identity = sources
            .iter()
            .map(|source| raw::identity_source(source, raw::HTTP_SOURCES))
            .collect::<Result<Vec<_>, _>>()?;
        let ttl = self.result_ttl(props, 0, &identity)?;
        Ok(Authorizer {
            name: name.to_string(),
            function,
            payload,
            identity,
            ttl,
            validation: None,
        })
    }
}
