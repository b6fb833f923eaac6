//! `ACCESS_RULES`: which routes each role may call, compiled once at init.
//!
//! A rule is `"METHOD /path"`, `"*"` (every route of the API and stage) or `"$connect"` (the
//! WebSocket connect route). In a path, `*` matches any run of characters including `/`,
//! exactly as API Gateway matches policy resources. Each rule compiles to the resource
//! suffixes that follow `arn:…:{api}/{stage}/` in a policy, and the same suffixes decide a
//! route here, so the simple-response decision and the IAM policy can never disagree.

use std::collections::BTreeMap;

/// The verbs a rule may name. `*` expands to all of them, one resource each: a `*` in the
/// method position of a resource would also match across `/` into the path.
pub const VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The route key of a WebSocket connection request.
pub const WEBSOCKET_CONNECT: &str = "$connect";

/// The compiled rules of every role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRules {
    roles: BTreeMap<String, RoleRules>,
}

/// One role's routes, as policy resource suffixes such as `GET/tasks/*`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleRules {
    suffixes: Vec<String>,
    route_specific: bool,
}

impl AccessRules {
    /// The default when `ACCESS_RULES` is unset: admins may call everything, nobody else anything.
    pub const DEFAULT_JSON: &'static str = r#"{"admin":["*"]}"#;

    /// Parses the JSON object `{"role": ["METHOD /path", …], …}`.
    pub fn parse(json: &str) -> Result<AccessRules, String> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            format!(
                "is not valid JSON ({e}); expected e.g. {}",
                Self::DEFAULT_JSON
            )
        })?;
        let object = value.as_object().ok_or_else(|| {
            format!(
                "must be a JSON object of role → list of routes, e.g. {}",
                Self::DEFAULT_JSON
            )
        })?;
        let mut roles = BTreeMap::new();
        for (role, patterns) in object {
            if role.trim().is_empty() {
                return Err("has an empty role name".into());
            }
            let patterns = patterns.as_array().ok_or_else(|| {
                format!("role {role:?} must map to a list of routes such as [\"GET /tasks/*\"]")
            })?;
            let mut rules = RoleRules::default();
            for pattern in patterns {
                let pattern = pattern
                    .as_str()
                    .ok_or_else(|| format!("role {role:?} has a route that is not a string"))?;
                rules
                    .add(pattern)
                    .map_err(|problem| format!("role {role:?}, route {pattern:?}: {problem}"))?;
            }
            // A role listed with no routes may call nothing: the same as not listing it.
            if !rules.suffixes.is_empty() {
                roles.insert(role.clone(), rules);
            }
        }
        Ok(AccessRules { roles })
    }

    /// The rules of `role`, if it may call any route.
    pub fn role(&self, role: &str) -> Option<&RoleRules> {
        self.roles.get(role)
    }

    /// True when some role is limited to particular routes, which makes a decision depend on
    /// the route and so unsafe to cache for every route (HTTP API simple responses).
    pub fn has_route_specific_rules(&self) -> bool {
        self.roles.values().any(|r| r.route_specific)
    }
}

impl RoleRules {
    fn add(&mut self, pattern: &str) -> Result<(), String> {
        let pattern = pattern.trim();
        if pattern == "*" {
            self.push("*".to_string());
            return Ok(());
        }
        if pattern == WEBSOCKET_CONNECT {
            self.route_specific = true;
            self.push(WEBSOCKET_CONNECT.to_string());
            return Ok(());
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
        self.route_specific = true;
        let method = method.trim().to_ascii_uppercase();
        if method == "*" || method == "ANY" {
            for verb in VERBS {
                self.push(format!("{verb}{path}"));
            }
        } else if VERBS.contains(&method.as_str()) {
            self.push(format!("{method}{path}"));
        } else {
            return Err(format!(
                "unknown method {method:?}; use one of {} or *",
                VERBS.join(", ")
            ));
        }
        Ok(())
    }

    fn push(&mut self, suffix: String) {
        if !self.suffixes.contains(&suffix) {
            self.suffixes.push(suffix);
        }
    }

    /// The resource suffixes to append to `arn:…:{api}/{stage}/`.
    pub fn suffixes(&self) -> &[String] {
        &self.suffixes
    }

    /// True when the role may call `route`, given as the part of the ARN after the stage
    /// (`GET/tasks/42`, `$connect`).
    pub fn allows(&self, route: &str) -> bool {
        self.suffixes
            .iter()
            .any(|suffix| wildcard_match(suffix, route))
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

    fn rules(json: &str) -> AccessRules {
        AccessRules::parse(json).unwrap()
    }

    #[test]
    fn path_star_matches_across_slashes_but_not_the_bare_prefix() {
        let r = rules(r#"{"member":["GET /tasks/*"]}"#);
        let member = r.role("member").unwrap();
        assert!(member.allows("GET/tasks/42"));
        assert!(member.allows("GET/tasks/42/notes"));
        assert!(!member.allows("GET/tasks"));
        assert!(!member.allows("DELETE/tasks/42"));
    }

    #[test]
    fn star_method_expands_to_every_verb_and_never_leaks_into_the_path() {
        let r = rules(r#"{"member":["* /tasks"]}"#);
        let member = r.role("member").unwrap();
        assert_eq!(member.suffixes().len(), VERBS.len());
        assert!(member.allows("DELETE/tasks"));
        assert!(
            !member.allows("GET/admin/tasks"),
            "*/tasks would have matched this"
        );
    }

    #[test]
    fn star_rule_allows_every_route() {
        let r = rules(AccessRules::DEFAULT_JSON);
        assert!(r.role("admin").unwrap().allows("DELETE/tasks/1"));
        assert!(r.role("member").is_none());
        assert!(!r.has_route_specific_rules());
    }

    #[test]
    fn role_listed_with_no_routes_has_no_entry() {
        let r = rules(r#"{"admin":["*"],"member":[]}"#);
        assert!(r.role("member").is_none());
        assert!(r.role("admin").is_some());
    }

    #[test]
    fn method_is_case_insensitive_and_verbs_are_checked() {
        assert!(rules(r#"{"a":["get /x"]}"#)
            .role("a")
            .unwrap()
            .allows("GET/x"));
        let err = AccessRules::parse(r#"{"a":["FETCH /x"]}"#).unwrap_err();
        assert!(err.contains("unknown method"), "{err}");
    }

    #[test]
    fn invalid_rules_say_what_is_wrong() {
        for (json, needle) in [
            ("[]", "JSON object"),
            ("{", "not valid JSON"),
            (r#"{"a":"GET /x"}"#, "list of routes"),
            (r#"{"a":[1]}"#, "not a string"),
            (r#"{"a":["GET tasks"]}"#, "start with '/'"),
            (r#"{"a":["GET"]}"#, "METHOD /path"),
            (r#"{"a":["GET /tasks/{id}"]}"#, "use '*'"),
            (r#"{"":["*"]}"#, "empty role"),
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
