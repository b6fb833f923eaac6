//! `ACCESS_RULES`: which routes a session may call, compiled once at init.
//!
//! Two forms. The map form names a role per entry: `{"admin": ["*"], "member": ["GET /tasks"]}`
//! (the role is read at `ROLE_CLAIM`). The list form speaks Clerk's `has()`: each entry grants
//! its `routes` when **all** of its `when` conditions hold (see `conditions`):
//! `[{"routes": ["DELETE /tasks/*"], "when": {"permission": "org:tasks:manage"}}, …]`.
//! The map form is read as the list form with one `role` condition per entry.
//!
//! A route is `"METHOD /path"`, `"*"` (every route of the API and stage) or `"$connect"` (the
//! WebSocket connect route). In a path, `*` matches any run of characters including `/`,
//! exactly as API Gateway matches policy resources. Each route compiles to the resource
//! suffixes that follow `arn:…:{api}/{stage}/` in a policy, and the same suffixes decide a
//! route here, so the simple-response decision and the IAM policy can never disagree.

use serde_json::Value;

use crate::conditions::{Conditions, Unmet};
use crate::credential::Credential;
use crate::kind::Kinds;

/// The verbs a rule may name. `*` expands to all of them, one resource each: a `*` in the
/// method position of a resource would also match across `/` into the path.
pub const VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The route key of a WebSocket connection request.
pub const WEBSOCKET_CONNECT: &str = "$connect";

/// Every entry, compiled. Suffixes are stored once and entries point at them, so a decision
/// unions the granted routes with a bitmap instead of comparing strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRules {
    /// Every distinct resource suffix (`GET/tasks/*`, `*`, `$connect`), in first-seen order.
    suffixes: Vec<String>,
    entries: Vec<Entry>,
    /// Every role named by a `role` condition, to tell `role_without_rules` from the rest.
    roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// Indices into `AccessRules::suffixes`.
    routes: Vec<usize>,
    when: Conditions,
}

/// What the rules decide for one credential and one requested route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'r> {
    /// Every route suffix the session may call, whichever route was asked for: the policy's
    /// resources. Never depends on the requested route, so a cached policy stays right.
    pub granted: Vec<&'r str>,
    /// The requested route is among them.
    pub allowed: bool,
    /// `allowed`, or why not (see `Decision::refusal`).
    pub reason: &'static str,
}

impl AccessRules {
    /// The default when `ACCESS_RULES` is unset: admins may call everything, nobody else anything.
    pub const DEFAULT_JSON: &'static str = r#"{"admin":["*"]}"#;

    /// Parses the map form (a JSON object) or the list form (a JSON array).
    pub fn parse(json: &str) -> Result<AccessRules, String> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            format!(
                "is not valid JSON ({e}); expected e.g. {} or [{{\"routes\": [\"GET /me\"]}}]",
                Self::DEFAULT_JSON
            )
        })?;
        let mut rules = AccessRules {
            suffixes: Vec::new(),
            entries: Vec::new(),
            roles: Vec::new(),
        };
        match &value {
            Value::Object(object) => {
                for (role, routes) in object {
                    if role.trim().is_empty() {
                        return Err("has an empty role name".into());
                    }
                    let routes = routes.as_array().ok_or_else(|| {
                        format!(
                            "role {role:?} must map to a list of routes such as [\"GET /tasks/*\"]"
                        )
                    })?;
                    // A role listed with no routes may call nothing: the same as not listing it.
                    if !routes.is_empty() {
                        rules
                            .add(routes, Conditions::role(role))
                            .map_err(|problem| format!("role {role:?}, {problem}"))?;
                    }
                }
            }
            Value::Array(entries) => {
                for (i, entry) in entries.iter().enumerate() {
                    rules.add_entry(entry).map_err(|problem| {
                        format!("entry {} ({}): {problem}", i + 1, abridged(entry))
                    })?;
                }
            }
            _ => {
                return Err(format!(
                    "must be a JSON object of role → list of routes, e.g. {}, or a list of \
                     {{\"routes\": [...], \"when\": {{...}}}} entries",
                    Self::DEFAULT_JSON
                ))
            }
        }
        Ok(rules)
    }

    fn add_entry(&mut self, entry: &Value) -> Result<(), String> {
        let object = entry
            .as_object()
            .ok_or("must be an object such as {\"routes\": [\"GET /me\"], \"when\": {...}}")?;
        if let Some(unknown) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "routes" | "when"))
        {
            return Err(format!(
                "unknown key {unknown:?}; an entry has \"routes\" and an optional \"when\""
            ));
        }
        let routes = object
            .get("routes")
            .and_then(Value::as_array)
            .filter(|r| !r.is_empty())
            .ok_or("needs \"routes\": a non-empty list such as [\"GET /tasks/*\"]")?;
        let when = match object.get("when") {
            None => Conditions::default(),
            Some(Value::Object(when)) => Conditions::parse(when)?,
            Some(_) => return Err("\"when\" must be an object of conditions".into()),
        };
        self.add(routes, when)
    }

    fn add(&mut self, routes: &[Value], when: Conditions) -> Result<(), String> {
        let mut indices = Vec::new();
        for route in routes {
            let route = route.as_str().ok_or("has a route that is not a string")?;
            for suffix in
                route_suffixes(route).map_err(|problem| format!("route {route:?}: {problem}"))?
            {
                let index = match self.suffixes.iter().position(|s| *s == suffix) {
                    Some(index) => index,
                    None => {
                        self.suffixes.push(suffix);
                        self.suffixes.len() - 1
                    }
                };
                if !indices.contains(&index) {
                    indices.push(index);
                }
            }
        }
        for role in when.role.iter().flatten() {
            if !self.roles.contains(role) {
                self.roles.push(role.clone());
            }
        }
        self.entries.push(Entry {
            routes: indices,
            when,
        });
        Ok(())
    }

    /// Decides `route` (the part of the ARN after the stage: `GET/tasks/42`, `$connect`) for
    /// `credential`. The granted routes are the union of every entry whose conditions hold.
    pub fn decide(&self, credential: &Credential<'_>, route: &str) -> Decision<'_> {
        let mut granted = vec![false; self.suffixes.len()];
        for entry in &self.entries {
            if entry.when.check(credential).is_none() {
                entry.routes.iter().for_each(|&i| granted[i] = true);
            }
        }
        let granted: Vec<&str> = self
            .suffixes
            .iter()
            .zip(granted)
            .filter_map(|(suffix, on)| on.then_some(suffix.as_str()))
            .collect();
        let allowed = granted.iter().any(|suffix| wildcard_match(suffix, route));
        let reason = if allowed {
            "allowed"
        } else {
            self.refusal(credential, route)
        };
        Decision {
            granted,
            allowed,
            reason,
        }
    }

    /// Why `route` was refused: the entry naming it that the credential came closest to
    /// meeting, except that a role named in the rules is judged by its role entries. Only
    /// refusals pay for this second pass.
    fn refusal(&self, credential: &Credential<'_>, route: &str) -> &'static str {
        let mut closest: Option<Unmet> = None;
        let mut role_entry_names_route = false;
        for entry in &self.entries {
            let names_route = entry
                .routes
                .iter()
                .any(|&i| wildcard_match(&self.suffixes[i], route));
            let Some(unmet) = entry.when.check(credential).filter(|_| names_route) else {
                continue;
            };
            if closest.is_none_or(|c| unmet.rank() > c.rank()) {
                closest = Some(unmet);
            }
            role_entry_names_route |= unmet == Unmet::Role;
        }
        let role_named = credential
            .session
            .as_ref()
            .and_then(|s| s.role)
            .is_some_and(|r| self.roles.iter().any(|x| x == r));
        match closest {
            None => "route_not_allowed",
            // The role's own entries do not name this route.
            Some(_) if role_named && role_entry_names_route => "route_not_allowed",
            Some(unmet) => reason(unmet, role_named),
        }
    }

    /// The kinds of token each entry is for, in order (map-form entries: session tokens).
    pub fn entry_kinds(&self) -> impl Iterator<Item = Kinds> + '_ {
        self.entries.iter().map(|e| e.when.kinds())
    }

    /// The number of entries (roles of the map form count one each).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no entry: nobody may call anything.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when some entry is limited to particular routes, which makes a decision depend on
    /// the route and so unsafe to cache for every route (HTTP API simple responses).
    pub fn has_route_specific_rules(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.routes.iter().any(|&i| self.suffixes[i] != "*"))
    }
}

/// The log's reason for an unmet condition; `role_named`: the token's role is named in the rules.
fn reason(unmet: Unmet, role_named: bool) -> &'static str {
    match unmet {
        Unmet::TokenKind => "token_kind_not_allowed",
        Unmet::Machine => "machine_not_allowed",
        Unmet::Client => "client_not_allowed",
        Unmet::Scope => "missing_scope",
        Unmet::Subject => "subject_not_allowed",
        Unmet::NotASession => "session_conditions_unmet",
        Unmet::NoRole => "no_role",
        Unmet::Role if !role_named => "role_without_rules",
        Unmet::Role => "route_not_allowed",
        Unmet::NoOrganization => "no_organization",
        Unmet::OrganizationActive => "personal_account_only",
        Unmet::OrgRole => "missing_org_role",
        Unmet::Permission => "missing_permission",
        Unmet::Plan => "missing_plan",
        Unmet::Feature => "missing_feature",
        Unmet::Reverification => "reverification_required",
        Unmet::Impersonated => "impersonation_not_allowed",
        Unmet::NotImpersonated => "impersonation_required",
    }
}

/// An entry as the error message quotes it: short, so a huge value does not flood the log.
fn abridged(entry: &Value) -> String {
    let text = entry.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// One route pattern → its policy resource suffixes.
fn route_suffixes(pattern: &str) -> Result<Vec<String>, String> {
    let pattern = pattern.trim();
    if pattern == "*" || pattern == WEBSOCKET_CONNECT {
        return Ok(vec![pattern.to_string()]);
    }
    let (method, path) = pattern
        .split_once(' ')
        .ok_or("expected \"METHOD /path\" (e.g. \"GET /tasks/*\"), \"*\" or \"$connect\"")?;
    let path = path.trim();
    if !path.starts_with('/') {
        return Err(format!(
            "the path must start with '/', e.g. \"{method} /{path}\""
        ));
    }
    if let Some(c) = path
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '?' | '{' | '}'))
    {
        return Err(format!(
            "the path has {c:?}; name concrete paths and use '*' for variable parts, e.g. \"GET /tasks/*\""
        ));
    }
    let method = method.trim().to_ascii_uppercase();
    if method == "*" || method == "ANY" {
        Ok(VERBS.iter().map(|verb| format!("{verb}{path}")).collect())
    } else if VERBS.contains(&method.as_str()) {
        Ok(vec![format!("{method}{path}")])
    } else {
        Err(format!(
            "unknown method {method:?}; use one of {} or *",
            VERBS.join(", ")
        ))
    }
}

/// IAM resource matching as API Gateway applies it: `*` matches any run of characters
/// (including `/`), `?` any single character, everything else itself. Linear in practice:
/// the classic greedy matcher with one backtrack point.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Claims;
    use serde_json::json;

    fn rules(json: &str) -> AccessRules {
        AccessRules::parse(json).unwrap()
    }

    /// The decision for a token whose claims are `claims` (role at `metadata.role`).
    fn decide(
        rules: &AccessRules,
        claims: Value,
        route: &str,
    ) -> (bool, &'static str, Vec<String>) {
        let claims = Claims::from_payload(claims.as_object().unwrap().clone());
        let credential = Credential::from_claims(&claims, &["metadata", "role"]);
        let d = rules.decide(&credential, route);
        (
            d.allowed,
            d.reason,
            d.granted.iter().map(|s| s.to_string()).collect(),
        )
    }

    fn role(role: &str) -> Value {
        json!({"sub": "user_1", "metadata": {"role": role}})
    }

    #[test]
    fn path_star_matches_across_slashes_but_not_the_bare_prefix() {
        let r = rules(r#"{"member":["GET /tasks/*"]}"#);
        assert!(decide(&r, role("member"), "GET/tasks/42").0);
        assert!(decide(&r, role("member"), "GET/tasks/42/notes").0);
        assert!(!decide(&r, role("member"), "GET/tasks").0);
        assert!(!decide(&r, role("member"), "DELETE/tasks/42").0);
    }

    #[test]
    fn star_method_expands_to_every_verb_and_never_leaks_into_the_path() {
        let r = rules(r#"{"member":["* /tasks"]}"#);
        let (allowed, _, granted) = decide(&r, role("member"), "DELETE/tasks");
        assert!(allowed);
        assert_eq!(granted.len(), VERBS.len());
        assert!(
            !decide(&r, role("member"), "GET/admin/tasks").0,
            "*/tasks would have matched this"
        );
    }

    #[test]
    fn star_rule_allows_every_route() {
        let r = rules(AccessRules::DEFAULT_JSON);
        assert!(decide(&r, role("admin"), "DELETE/tasks/1").0);
        assert_eq!(decide(&r, role("member"), "GET/x").1, "role_without_rules");
        assert!(!r.has_route_specific_rules());
    }

    #[test]
    fn role_listed_with_no_routes_has_no_entry() {
        let r = rules(r#"{"admin":["*"],"member":[]}"#);
        assert_eq!(r.len(), 1);
        assert_eq!(decide(&r, role("member"), "GET/x").1, "role_without_rules");
    }

    #[test]
    fn granted_routes_are_the_union_of_holding_entries_each_suffix_once() {
        let r = rules(
            r#"[{"routes": ["GET /a", "GET /b"], "when": {"role": "x"}},
                {"routes": ["GET /b", "GET /c"]},
                {"routes": ["GET /d"], "when": {"role": "y"}}]"#,
        );
        let (_, _, granted) = decide(&r, role("x"), "GET/a");
        assert_eq!(granted, ["GET/a", "GET/b", "GET/c"]);
        let (allowed, reason, granted) = decide(&r, role("z"), "GET/d");
        assert_eq!((allowed, reason), (false, "role_without_rules"));
        assert_eq!(granted, ["GET/b", "GET/c"]);
    }

    #[test]
    fn method_is_case_insensitive_and_verbs_are_checked() {
        assert!(decide(&rules(r#"{"a":["get /x"]}"#), role("a"), "GET/x").0);
        let err = AccessRules::parse(r#"{"a":["FETCH /x"]}"#).unwrap_err();
        assert!(err.contains("unknown method"), "{err}");
    }

    #[test]
    fn invalid_rules_say_what_is_wrong() {
        for (json, needle) in [
            ("1", "JSON object"),
            ("{", "not valid JSON"),
            (r#"{"a":"GET /x"}"#, "list of routes"),
            (r#"{"a":[1]}"#, "not a string"),
            (r#"{"a":["GET tasks"]}"#, "start with '/'"),
            (r#"{"a":["GET"]}"#, "METHOD /path"),
            (r#"{"a":["GET /tasks/{id}"]}"#, "use '*'"),
            (r#"{"":["*"]}"#, "empty role"),
            (
                r#"[{"routes": ["GET /x"], "when": {"perm": "a"}}]"#,
                "entry 1",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": {"perm": "a"}}]"#,
                "unknown condition \"perm\"",
            ),
            (r#"[{"routes": []}]"#, "non-empty list"),
            (
                r#"[{"routes": ["GET /x"], "extra": 1}]"#,
                "unknown key \"extra\"",
            ),
            (
                r#"[{"routes": ["GET /x"]}, {"routes": ["GET /y"], "when": {"reverification": "soon"}}]"#,
                "entry 2",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": {"reverification": "soon"}}]"#,
                "unknown reverification preset",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": {"reverification": {"level": "second_factor"}}}]"#,
                "after_minutes",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": {"org": "yes"}}]"#,
                "true or false",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": {"permission": []}}]"#,
                "non-empty string",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": {"plan": "team:pro"}}]"#,
                "unknown scope",
            ),
            (
                r#"[{"routes": ["GET /x"], "when": []}]"#,
                "must be an object",
            ),
            (r#"["GET /x"]"#, "must be an object"),
        ] {
            let err = AccessRules::parse(json).unwrap_err();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }

    #[test]
    fn wildcard_matching_follows_iam_rules() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("GET/*", "GET/a/b"));
        assert!(wildcard_match("GET/?", "GET/a"));
        assert!(!wildcard_match("GET/?", "GET/ab"));
        assert!(wildcard_match("*/tasks", "GET/admin/tasks"));
        assert!(!wildcard_match("GET/tasks", "GET/tasks/1"));
        assert!(wildcard_match("a*b*c", "aXbYbZc"));
    }
}
