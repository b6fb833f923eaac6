//! Which route of an API serves a request: API Gateway's matching of `/tasks/{id}` and greedy
//! `/{proxy+}` paths, exact methods before `ANY`, literal segments before parameters.

use std::collections::BTreeMap;

use crate::events::Matched;
use crate::template::{Api, Route};

/// How well a route fits: exact method, then more literal segments, then not greedy.
type Score = (bool, usize, bool);

/// The route for `method` on `path` (after the stage, decoded), with its path parameters.
pub fn find<'a>(api: &'a Api, method: &str, path: &str) -> Option<(&'a Route, Matched)> {
    let segments: Vec<&str> = split(path);
    let mut best: Option<(Score, &Route, BTreeMap<String, String>)> = None;
    for route in &api.routes {
        if route.method != method && route.method != "ANY" {
            continue;
        }
        let Some((literals, greedy, parameters)) = match_path(&route.path, &segments) else {
            continue;
        };
        let score: Score = (route.method == method, literals, !greedy);
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, route, parameters));
        }
    }
    let (_, route, path_parameters) = best?;
    Some((
        route,
        Matched {
            resource: route.path.clone(),
            route_key: format!("{} {}", route.method, route.path),
            path_parameters,
        },
    ))
}

fn split(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// `Some((literal segments, greedy, parameters))` when `template` matches `segments`.
fn match_path(
    template: &str,
    segments: &[&str],
) -> Option<(usize, bool, BTreeMap<String, String>)> {
    let parts = split(template);
    let mut parameters = BTreeMap::new();
    let mut literals = 0;
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            // Greedy: the rest of the path, at least one segment.
            if i + 1 != parts.len() || segments.len() <= i {
                return None;
            }
            parameters.insert(name.to_string(), segments[i..].join("/"));
            return Some((literals, true, parameters));
        }
        let segment = segments.get(i)?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => {
                parameters.insert(name.to_string(), segment.to_string());
            }
            None if part == segment => literals += 1,
            None => return None,
        }
    }
    (parts.len() == segments.len()).then_some((literals, false, parameters))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::ApiKind;

    fn api(routes: &[(&str, &str)]) -> Api {
        Api {
            name: "Api".into(),
            kind: ApiKind::Rest,
            id: "abc".into(),
            stage: "prod".into(),
            region: "us-east-1".into(),
            account_id: "1".into(),
            routes: routes
                .iter()
                .map(|(m, p)| Route {
                    method: m.to_string(),
                    path: p.to_string(),
                    function: format!("{m} {p}"),
                    authorizer: None,
                    preflight: false,
                    timeout: None,
                    api_key_required: false,
                })
                .collect(),
            authorizers: Default::default(),
            default_authorizer: None,
            cors: None,
            preflight_authorizer: true,
            gateway_responses: Default::default(),
            needs_permissions: false,
            throttle: None,
            api_key_source: crate::template::ApiKeySource::Header,
            api_key_required: false,
            preflight_api_key: false,
            sam_usage_plan: None,
            access_log: None,
        }
    }

    fn route(api: &Api, method: &str, path: &str) -> Option<(String, BTreeMap<String, String>)> {
        find(api, method, path).map(|(r, m)| (r.function.clone(), m.path_parameters))
    }

    #[test]
    fn literal_beats_parameter_and_exact_method_beats_any() {
        let a = api(&[
            ("GET", "/tasks/{id}"),
            ("GET", "/tasks/mine"),
            ("ANY", "/tasks/mine"),
            ("ANY", "/{proxy+}"),
        ]);
        assert_eq!(
            route(&a, "GET", "/tasks/mine").unwrap().0,
            "GET /tasks/mine"
        );
        assert_eq!(
            route(&a, "POST", "/tasks/mine").unwrap().0,
            "ANY /tasks/mine"
        );
        let (f, p) = route(&a, "GET", "/tasks/42").unwrap();
        assert_eq!((f.as_str(), p["id"].as_str()), ("GET /tasks/{id}", "42"));
        let (f, p) = route(&a, "DELETE", "/a/b/c").unwrap();
        assert_eq!(
            (f.as_str(), p["proxy"].as_str()),
            ("ANY /{proxy+}", "a/b/c")
        );
    }

    #[test]
    fn no_route_no_match() {
        let a = api(&[("GET", "/tasks"), ("GET", "/tasks/{id}")]);
        assert!(route(&a, "GET", "/tasks/1/notes").is_none());
        assert!(route(&a, "POST", "/tasks").is_none());
        assert!(route(&a, "GET", "/").is_none());
        assert!(
            route(&a, "GET", "/tasks/").is_some(),
            "a trailing slash is the same resource"
        );
    }
}
