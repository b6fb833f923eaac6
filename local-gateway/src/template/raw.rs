//! What the raw REST and HTTP API readers share: a method's or route's authorizer, identity
//! sources written with each API's prefixes, and an authorizer's cache TTL.

use super::*;

/// The prefixes of an identity source: header, query string, stage variable, context.
pub(super) type Prefixes = [&'static str; 4];
/// REST: `method.request.header.Authorization`, …
pub(super) const REST_SOURCES: Prefixes = [
    "method.request.header.",
    "method.request.querystring.",
    "stageVariables.",
    "context.",
];
/// HTTP APIs: `$request.header.Authorization`, `$context.routeKey`, …
pub(super) const HTTP_SOURCES: Prefixes = [
    "$request.header.",
    "$request.querystring.",
    "$stageVariables.",
    "$context.",
];

/// Where an identity source is read, from its text.
pub(super) fn identity_source(source: &str, prefixes: Prefixes) -> Result<Source, String> {
    let [header, query, stage, context] = prefixes;
    if let Some(h) = source.strip_prefix(header) {
        Ok(Source::Header(h.to_string()))
    } else if let Some(q) = source.strip_prefix(query) {
        Ok(Source::Query(q.to_string()))
    } else if let Some(v) = source.strip_prefix(stage) {
        Ok(Source::StageVariable(v.to_string()))
    } else if let Some(c) = source.strip_prefix(context) {
        Ok(Source::Context(c.to_string()))
    } else {
        Err(format!(
            "IdentitySource {source:?} must be {header}X, {query}X, {stage}X or {context}X"
        ))
    }
}

impl Reader<'_> {
    /// `AuthorizationType` NONE (or absent) or CUSTOM with `AuthorizerId: !Ref A`, `A` one of
    /// `authorizers` (of type `kind`): the authorizer's logical id.
    pub(super) fn method_authorizer(
        &self,
        props: &Map<String, Value>,
        authorizers: &BTreeMap<String, Authorizer>,
        kind: &str,
    ) -> Result<Option<String>, String> {
        let authorization = props
            .get("AuthorizationType")
            .map(|v| self.string(v))
            .transpose()?;
        match authorization.as_deref() {
            None | Some("NONE") => Ok(None),
            Some("CUSTOM") => {
                let id = props
                    .get("AuthorizerId")
                    .ok_or("AuthorizationType CUSTOM needs an AuthorizerId")?;
                let name = self
                    .ref_name(id)
                    .ok_or("AuthorizerId must be !Ref Authorizer")?;
                if !authorizers.contains_key(name) {
                    return Err(format!("AuthorizerId {name} is not an {kind} of this API"));
                }
                Ok(Some(name.to_string()))
            }
            Some(other) => Err(format!(
                "AuthorizationType {other} is not supported by local-gateway (NONE and CUSTOM are)"
            )),
        }
    }

    /// `AuthorizerResultTtlInSeconds` (API Gateway's `default` when absent); caching needs an
    /// identity source to key on.
    pub(super) fn result_ttl(
        &self,
        props: &Map<String, Value>,
        default: u64,
        identity: &[Source],
    ) -> Result<u64, String> {
        let ttl = match props.get("AuthorizerResultTtlInSeconds") {
            None => default,
            Some(ttl) => self
                .string(ttl)?
                .parse()
                .map_err(|_| "AuthorizerResultTtlInSeconds must be whole seconds")?,
        };
        if ttl > 0 && identity.is_empty() {
            return Err(
                "caching (AuthorizerResultTtlInSeconds > 0) needs an IdentitySource".into(),
            );
        }
        Ok(ttl)
    }
}
