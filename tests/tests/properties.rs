//! Properties of every policy the authorizer emits, for random rules, routes, APIs and metadata.
//! The oracle is written here, independently of the library's matcher: a memoised glob matcher
//! and the rule semantics as the README states them.

mod common;

use authorizer::handler::Verdict;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// IAM resource matching, the slow obvious way: `*` any run, `?` one character.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let mut memo = vec![vec![None; text.len() + 1]; pattern.len() + 1];
    fn go(p: &[u8], t: &[u8], i: usize, j: usize, memo: &mut Vec<Vec<Option<bool>>>) -> bool {
        if let Some(r) = memo[i][j] {
            return r;
        }
        let r = match p.get(i) {
            None => j == t.len(),
            Some(b'*') => go(p, t, i + 1, j, memo) || (j < t.len() && go(p, t, i, j + 1, memo)),
            Some(&c) => j < t.len() && (c == b'?' || c == t[j]) && go(p, t, i + 1, j + 1, memo),
        };
        memo[i][j] = Some(r);
        r
    }
    go(pattern, text, 0, 0, &mut memo)
}

/// API Gateway's evaluation: explicit Deny wins, then Allow, else deny.
fn oracle_eval(policy: &Value, arn: &str) -> bool {
    let statements = policy["policyDocument"]["Statement"].as_array().unwrap();
    let hits = |effect: &str| {
        statements.iter().any(|s| {
            s["Effect"] == effect
                && s["Action"] == "execute-api:Invoke"
                && s["Resource"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| glob(r.as_str().unwrap().as_bytes(), arn.as_bytes()))
        })
    };
    !hits("Deny") && hits("Allow")
}

/// The rule semantics of docs/configuration.md.
fn oracle_rules(rules: &[String], method: &str, path: &str) -> bool {
    rules.iter().any(|rule| {
        if rule == "*" {
            return true;
        }
        let (m, p) = rule.split_once(' ').unwrap();
        (m == "*" || m == method) && glob(p.as_bytes(), path.as_bytes())
    })
}

const VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn verb() -> impl Strategy<Value = String> {
    prop::sample::select(VERBS.to_vec()).prop_map(str::to_string)
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["tasks", "me", "admin", "1", "42", "a-b", "x_y"]),
        0..4,
    )
    .prop_map(|segments| format!("/{}", segments.join("/")))
}

fn pattern_path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["tasks", "me", "admin", "1", "*", "ta*", "*s"]),
        0..4,
    )
    .prop_map(|segments| format!("/{}", segments.join("/")))
}

fn rule() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_string()),
        8 => (prop_oneof![verb(), Just("*".to_string())], pattern_path()).prop_map(|(m, p)| format!("{m} {p}")),
    ]
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,12}"
}

fn api() -> impl Strategy<Value = (String, String, String, String)> {
    (
        prop::sample::select(vec!["us-east-1", "eu-west-1", "ap-south-2"]).prop_map(str::to_string),
        "[0-9]{12}",
        ident(),
        prop_oneof![ident(), Just("$default".to_string())],
    )
}

fn token_event_for(prefix: &str, token: &str, method: &str, path: &str) -> Value {
    json!({ "type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": format!("{prefix}{method}{path}") })
}

fn member_token() -> &'static str {
    use std::sync::OnceLock;
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| mint(&sample_claims(Some("member"))))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The emitted policy, evaluated as API Gateway evaluates it, gives exactly the decision
    /// ACCESS_RULES describes, for every route, and never reaches outside the API and stage.
    #[test]
    fn policy_means_exactly_what_the_rules_say(
        rules in prop::collection::vec(rule(), 0..6),
        (region, account, api_id, stage) in api(),
        asked in (verb(), path()),
        probes in prop::collection::vec((verb(), path()), 1..12),
    ) {
        let rules_json = json!({ "member": rules }).to_string();
        let authorizer = authorizer_with(&[("ACCESS_RULES", &rules_json)]);
        let prefix = format!("arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/");
        let outcome = authorizer.handle(&token_event_for(&prefix, member_token(), &asked.0, &asked.1).to_string(), authorizer::now());
        let policy: Value = serde_json::from_str(outcome.response.as_deref().unwrap()).unwrap();

        prop_assert_eq!(outcome.verdict == Verdict::Allow, oracle_rules(&rules, &asked.0, &asked.1));
        for (method, path) in &probes {
            let arn = format!("{prefix}{method}{path}");
            prop_assert_eq!(oracle_eval(&policy, &arn), oracle_rules(&rules, method, path), "{} {}", method, path);
            // The same route on another stage, API, account or region is never allowed.
            for other in [
                format!("arn:aws:execute-api:{region}:{account}:{api_id}/{stage}x/{method}{path}"),
                format!("arn:aws:execute-api:{region}:{account}:{api_id}x/{stage}/{method}{path}"),
                format!("arn:aws:execute-api:{region}:9{account}:{api_id}/{stage}/{method}{path}"),
                format!("arn:aws:execute-api:xx-{region}:{account}:{api_id}/{stage}/{method}{path}"),
            ] {
                prop_assert!(!oracle_eval(&policy, &other), "{}", other);
            }
        }
        for resource in policy["policyDocument"]["Statement"][0]["Resource"].as_array().unwrap() {
            prop_assert!(resource.as_str().unwrap().starts_with(&prefix));
        }
    }

    /// Two requests of the same token to different routes get byte-identical policies.
    #[test]
    fn policies_are_identical_across_routes(
        rules in prop::collection::vec(rule(), 0..6),
        routes in prop::collection::vec((verb(), path()), 2..6),
    ) {
        let rules_json = json!({ "member": rules }).to_string();
        let authorizer = authorizer_with(&[("ACCESS_RULES", &rules_json)]);
        let responses: Vec<String> = routes
            .iter()
            .map(|(m, p)| authorizer.handle(&token_event_for(API_PREFIX, member_token(), m, p).to_string(), authorizer::now()).response.unwrap())
            .collect();
        for response in &responses[1..] {
            prop_assert_eq!(response, &responses[0]);
        }
    }
}

fn metadata() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,20}".prop_map(Value::from),
    ];
    let nested = leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("[a-zA-Z_]{1,10}", nested, 0..8)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The context is always flat, whatever the metadata holds.
    #[test]
    fn context_is_always_flat(mut metadata in metadata(), role in prop::option::of(prop::sample::select(vec!["admin", "member"]))) {
        if let Some(role) = role {
            metadata["role"] = json!(role);
        }
        let now = authorizer::now();
        let token = mint(&clerk_claims("user_prop", metadata, now, now + 60));
        let authorizer = dev_authorizer();
        for event in [
            token_event(&format!("Bearer {token}"), "GET /tasks"),
            http_v2_event(json!({ "authorization": format!("Bearer {token}") }), &[], "GET /tasks"),
        ] {
            let outcome = run(&authorizer, &event);
            let response = response(&outcome);
            let context = response["context"].as_object().unwrap();
            prop_assert_eq!(context["sub"].as_str(), Some("user_prop"));
            for (key, value) in context {
                prop_assert!(value.is_string() || value.is_number() || value.is_boolean(), "{} = {}", key, value);
            }
        }
    }
}

/// A list-form entry's `when`, from a small alphabet the oracle below understands.
#[derive(Debug, Clone)]
enum Cond {
    Permission(&'static str),
    Org(bool),
    Plan(&'static str),
    Strict,
}

fn cond() -> impl Strategy<Value = Cond> {
    prop_oneof![
        prop::sample::select(vec!["view", "edit", "manage"]).prop_map(Cond::Permission),
        any::<bool>().prop_map(Cond::Org),
        prop::sample::select(vec!["pro", "free"]).prop_map(Cond::Plan),
        Just(Cond::Strict),
    ]
}

/// A random session: organisation permissions (None = personal account), plans, `fva`.
#[derive(Debug, Clone)]
struct Who {
    org_permissions: Option<Vec<&'static str>>,
    plans: Vec<&'static str>,
    fva: [i64; 2],
}

fn who() -> impl Strategy<Value = Who> {
    (
        prop::option::of(prop::sample::subsequence(
            vec!["view", "edit", "manage"],
            0..=3,
        )),
        prop::sample::subsequence(vec!["pro", "free"], 0..=2),
        prop::sample::select(vec![[-1, -1], [3, -1], [30, -1], [3, 4], [3, 40], [-1, 4]]),
    )
        .prop_map(|(org_permissions, plans, fva)| Who {
            org_permissions,
            plans,
            fva,
        })
}

impl Who {
    fn token(&self) -> String {
        let now = authorizer::now();
        let mut claims = clerk_claims("user_prop", json!({}), now, now + 600);
        claims["fva"] = json!(self.fva);
        claims["pla"] = json!(self
            .plans
            .iter()
            .map(|p| format!("u:{p}"))
            .collect::<Vec<_>>()
            .join(","));
        if let Some(held) = &self.org_permissions {
            let mask: u32 = ["view", "edit", "manage"]
                .iter()
                .enumerate()
                .filter(|(_, p)| held.contains(p))
                .map(|(i, _)| 1 << i)
                .sum();
            claims["fea"] = json!("o:tasks");
            claims["o"] = json!({"id": "org_1", "rol": "member", "per": "view,edit,manage", "fpm": mask.to_string()});
        }
        mint(&claims)
    }

    /// The condition as Clerk's has() would judge it, written out independently.
    fn meets(&self, cond: &Cond) -> bool {
        match cond {
            Cond::Permission(p) => self
                .org_permissions
                .as_ref()
                .is_some_and(|held| held.contains(p)),
            Cond::Org(active) => self.org_permissions.is_some() == *active,
            Cond::Plan(plan) => self.plans.contains(plan),
            Cond::Strict => match self.fva {
                [_, second] if second != -1 => second < 10,
                [first, _] => first != -1 && first < 10,
            },
        }
    }
}

fn when_json(conds: &[Cond]) -> Value {
    let mut when = serde_json::Map::new();
    for c in conds {
        let (k, v) = match c {
            Cond::Permission(p) => ("permission", json!(format!("org:tasks:{p}"))),
            Cond::Org(b) => ("org", json!(b)),
            Cond::Plan(p) => ("plan", json!(p)),
            Cond::Strict => ("reverification", json!("strict")),
        };
        when.insert(k.to_string(), v);
    }
    Value::Object(when)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// With the list form, the policy's routes are exactly the union of the routes of the
    /// entries whose conditions all hold: evaluated as API Gateway does, on every probe.
    #[test]
    fn list_form_policy_is_exactly_the_union_of_holding_entries(
        entries in prop::collection::vec((prop::collection::vec(rule(), 1..4), prop::collection::vec(cond(), 0..3)), 0..6),
        who in who(),
        probes in prop::collection::vec((verb(), path()), 1..12),
    ) {
        // A key appears once in a JSON object: the last condition of a kind is the one that counts.
        let entries: Vec<(Vec<String>, Vec<Cond>)> = entries
            .into_iter()
            .map(|(routes, conds)| {
                let mut last: Vec<Cond> = Vec::new();
                for c in conds {
                    last.retain(|l| std::mem::discriminant(l) != std::mem::discriminant(&c));
                    last.push(c);
                }
                (routes, last)
            })
            .collect();
        let rules_json = Value::Array(
            entries.iter().map(|(routes, conds)| json!({"routes": routes, "when": when_json(conds)})).collect(),
        ).to_string();
        let authorizer = authorizer_with(&[("ACCESS_RULES", &rules_json)]);
        let granted: Vec<String> = entries
            .iter()
            .filter(|(_, conds)| conds.iter().all(|c| who.meets(c)))
            .flat_map(|(routes, _)| routes.clone())
            .collect();
        let token = who.token();
        let outcome = authorizer.handle(&token_event_for(API_PREFIX, &token, "GET", "/tasks").to_string(), authorizer::now());
        let policy: Value = serde_json::from_str(outcome.response.as_deref().unwrap()).unwrap();
        prop_assert_eq!(outcome.verdict == Verdict::Allow, oracle_rules(&granted, "GET", "/tasks"));
        for (method, path) in &probes {
            let arn = format!("{API_PREFIX}{method}{path}");
            prop_assert_eq!(oracle_eval(&policy, &arn), oracle_rules(&granted, method, path), "{} {}", method, path);
        }
    }
}
