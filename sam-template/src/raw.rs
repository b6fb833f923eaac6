//! What the raw REST and HTTP API readers share: an API's authorizers, a method's or route's
//! authorizer, identity sources written with each API's prefixes, an authorizer's cache TTL, and
//! the stages of an API.

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

/// The one stage an API is served on, from the names its stages give; `none` says what is
/// missing when there is no stage.
pub(super) fn one_stage(stages: &[String], none: &str) -> Result<String, String> {
    match stages {
        [stage] => Ok(stage.clone()),
        [] => Err(none.into()),
        more => Err(format!(
            "has stages {more:?}; local-gateway serves one stage per API"
        )),
    }
}

impl Reader<'_> {
    /// The authorizers of API `api`: each resource of type `kind` whose `key` names it, read by
    /// `read`, by logical id.
    pub(super) fn api_authorizers(
        &self,
        kind: &str,
        key: &str,
        api: &str,
        read: impl Fn(&str, &Value) -> Result<Authorizer, String>,
    ) -> Result<BTreeMap<String, Authorizer>, String> {
        self.owned_by(kind, key, api)
            .map(|(name, resource)| {
                read(name, resource)
                    .map(|authorizer| (name.clone(), authorizer))
                    .map_err(|e| format!("authorizer {name}: {e}"))
            })
            .collect()
    }

    /// The `StageName` of each stage of API `api` (resources of type `kind` whose `key` names
    /// it), each stage's properties checked against `known` and `ignored`.
    pub(super) fn stage_names(
        &self,
        kind: &str,
        key: &str,
        api: &str,
        known: &[&str],
        ignored: &[&str],
    ) -> Result<Vec<String>, String> {
        self.owned_by(kind, key, api)
            .map(|(name, stage)| {
                self.known_properties(&format!("stage {name}"), stage, known, ignored)?;
                let stage_name = properties(stage)
                    .get("StageName")
                    .ok_or_else(|| format!("stage {name} has no StageName"))?;
                self.string(stage_name)
            })
            .collect()
    }

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
