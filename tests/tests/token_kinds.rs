//! Every token a Clerk instance signs, judged as Clerk judges it, over the real binary under
//! the Lambda Runtime API: token categories as an allow-list, M2M and OAuth access tokens,
//! impersonation, and the publishable key's suffixed session cookie. Each case runs on REST
//! (TOKEN and REQUEST) and HTTP API 2.0 events, answered as API Gateway would answer them.

mod common;

use authorizer::policy;
use common::*;
use serde_json::{json, Value};

/// What API Gateway does with the function's answer for the requested route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gateway {
    Allow,
    /// 403: a policy that does not allow the route, or `isAuthorized: false`.
    Forbidden,
    /// 401: the Lambda error `Unauthorized` (REST only).
    Unauthorized,
}

/// The flavours a machine caller uses: the REST TOKEN and REQUEST authorizers, and HTTP API 2.0.
#[derive(Debug, Clone, Copy)]
enum Api {
    RestToken,
    RestRequest,
    Http,
}

const APIS: [Api; 3] = [Api::RestToken, Api::RestRequest, Api::Http];

fn event(api: Api, bearer_token: &str, route: &str) -> Value {
    let bearer = format!("Bearer {bearer_token}");
    match api {
        Api::RestToken => token_event(&bearer, route),
        Api::RestRequest => rest_request_event(json!({ "Authorization": bearer }), route),
        Api::Http => http_v2_event(json!({ "authorization": bearer }), &[], route),
    }
}

/// The event's ARN, as API Gateway evaluates a policy on it.
fn arn(event: &Value) -> &str {
    event["methodArn"]
        .as_str()
        .or(event["routeArn"].as_str())
        .unwrap()
}

/// Runs `event` through the binary: API Gateway's answer, the log's reason, and the context.
fn judge(binary: &RealAuthorizer, event: &Value) -> (Gateway, String, Value) {
    let (reply, line) = binary.decide(event);
    let reason = line["reason"].as_str().unwrap_or_default().to_string();
    if !reply.ok() {
        assert!(reply.body.contains("\"Unauthorized\""), "{}", reply.body);
        return (Gateway::Unauthorized, reason, Value::Null);
    }
    let response: Value = serde_json::from_str(&reply.body).unwrap();
    let allowed = match response.get("isAuthorized") {
        Some(simple) => simple == true,
        None => policy::evaluate(&response, arn(event)),
    };
    let answer = if allowed {
        Gateway::Allow
    } else {
        Gateway::Forbidden
    };
    (answer, reason, response["context"].clone())
}

/// The dev settings: sessions, M2M (this API is `DEV_MACHINE_ID`) and OAuth accepted.
fn binary() -> RealAuthorizer {
    RealAuthorizer::start(&dev_env())
}

/// A refusal of a genuine token is 401 on REST and 403 on HTTP APIs.
fn refused(api: Api) -> Gateway {
    match api {
        Api::Http => Gateway::Forbidden,
        _ => Gateway::Unauthorized,
    }
}

fn worker_token(targets: &[&str], metadata: Option<Value>) -> String {
    let now = authorizer::now();
    let mut claims = machine_claims(SAMPLE_WORKER, targets, now, now + 3600);
    if let Some(metadata) = metadata {
        claims["metadata"] = metadata;
    }
    mint_machine(&claims)
}

fn oauth_token(scope: &str) -> String {
    let now = authorizer::now();
    mint_oauth(&oauth_claims(
        SAMPLE_VIEWER,
        SAMPLE_OAUTH_CLIENT,
        scope,
        now,
        now + 3600,
    ))
}

#[test]
fn a_workers_m2m_token_reaches_only_the_routes_its_entry_names() {
    let binary = binary();
    let token = worker_token(&[DEV_MACHINE_ID], None);
    for api in APIS {
        for route in ["GET /tasks", "GET /tasks/7", "POST /tasks"] {
            let (answer, reason, context) = judge(&binary, &event(api, &token, route));
            assert_eq!(
                (answer, reason.as_str()),
                (Gateway::Allow, "allowed"),
                "{api:?} {route}"
            );
            if let Api::Http = api {
                assert_eq!(context["sub"], SAMPLE_WORKER);
                assert_eq!(context["machine_id"], SAMPLE_WORKER);
                assert_eq!(context["token_type"], "m2m_token");
                assert!(context.get("role").is_none() && context.get("sid").is_none());
            }
        }
        for route in [
            "DELETE /tasks/7",
            "PATCH /tasks/7",
            "GET /me",
            "GET /reports/monthly",
        ] {
            let (answer, _, _) = judge(&binary, &event(api, &token, route));
            assert_eq!(answer, Gateway::Forbidden, "{api:?} {route}");
        }
    }
    // Another machine, with a token that targets this API, is named by no entry.
    let now = authorizer::now();
    let stranger = mint_machine(&machine_claims(
        "mch_2stranger000000000000000001",
        &[DEV_MACHINE_ID],
        now,
        now + 3600,
    ));
    for api in APIS {
        let (answer, reason, _) = judge(&binary, &event(api, &stranger, "GET /tasks"));
        assert_eq!(
            (answer, reason.as_str()),
            (Gateway::Forbidden, "machine_not_allowed"),
            "{api:?}"
        );
    }
}

#[test]
fn an_m2m_token_minted_for_another_machine_is_refused() {
    let binary = binary();
    let others = [
        worker_token(&["mch_2billing0000000000000000001"], None),
        worker_token(&[], None),
        // The target in `aud` instead of `scopes` counts the same.
        {
            let now = authorizer::now();
            let mut claims = machine_claims(SAMPLE_WORKER, &[], now, now + 3600);
            claims.as_object_mut().unwrap().remove("scopes");
            claims["aud"] = json!(["mch_2billing0000000000000000001"]);
            mint_machine(&claims)
        },
    ];
    for api in APIS {
        for token in &others {
            let (answer, reason, _) = judge(&binary, &event(api, token, "GET /tasks"));
            assert_eq!((answer, reason.as_str()), (refused(api), "wrong_audience"));
        }
        let now = authorizer::now();
        let mut by_aud = machine_claims(SAMPLE_WORKER, &[], now, now + 3600);
        by_aud.as_object_mut().unwrap().remove("scopes");
        by_aud["aud"] = json!(DEV_MACHINE_ID);
        let (answer, _, _) = judge(&binary, &event(api, &mint_machine(&by_aud), "GET /tasks"));
        assert_eq!(answer, Gateway::Allow, "{api:?}: aud names this API");
    }
}

#[test]
fn an_oauth_token_with_tasks_read_reads_and_cannot_write() {
    let binary = binary();
    let read = oauth_token("tasks:read");
    let both = oauth_token("tasks:read tasks:write");
    for api in APIS {
        for route in ["GET /tasks", "GET /tasks/7", "GET /me"] {
            let (answer, _, context) = judge(&binary, &event(api, &read, route));
            assert_eq!(answer, Gateway::Allow, "{api:?} {route}");
            if let Api::Http = api {
                assert_eq!(context["client_id"], SAMPLE_OAUTH_CLIENT);
                assert_eq!(context["scopes"], "tasks:read");
                assert_eq!(context["token_type"], "oauth_token");
                assert_eq!(context["sub"], SAMPLE_VIEWER);
            }
        }
        for route in ["POST /tasks", "PATCH /tasks/7"] {
            let (answer, reason, _) = judge(&binary, &event(api, &read, route));
            assert_eq!(
                (answer, reason.as_str()),
                (Gateway::Forbidden, "missing_scope"),
                "{api:?} {route}"
            );
            let (answer, _, _) = judge(&binary, &event(api, &both, route));
            assert_eq!(answer, Gateway::Allow, "{api:?} {route}");
        }
        // Scopes are whole words: `tasks:readonly` is not `tasks:read`.
        let (answer, _, _) = judge(
            &binary,
            &event(api, &oauth_token("tasks:readonly"), "GET /tasks"),
        );
        assert_eq!(answer, Gateway::Forbidden);
        // The same token under `application/at+jwt`.
        let now = authorizer::now();
        let claims = oauth_claims(
            SAMPLE_VIEWER,
            SAMPLE_OAUTH_CLIENT,
            "tasks:read",
            now,
            now + 60,
        );
        let typed = mint_with_header(&claims, Some("application/at+jwt"), None);
        let (answer, _, _) = judge(&binary, &event(api, &typed, "GET /tasks"));
        assert_eq!(answer, Gateway::Allow);
        // Another audience, another issuer: refused before any rule.
        let mut other = claims.clone();
        other["aud"] = json!("https://api.another.example");
        let (answer, reason, _) = judge(&binary, &event(api, &mint_oauth(&other), "GET /tasks"));
        assert_eq!((answer, reason.as_str()), (refused(api), "wrong_audience"));
        let mut other = claims.clone();
        other["iss"] = json!("https://clerk.another.example");
        let (answer, reason, _) = judge(&binary, &event(api, &mint_oauth(&other), "GET /tasks"));
        assert_eq!((answer, reason.as_str()), (refused(api), "wrong_issuer"));
    }
}

#[test]
fn a_metadata_role_on_a_machine_token_opens_nothing() {
    let binary = binary();
    let admin = json!({"role": "admin"});
    let worker = worker_token(&[DEV_MACHINE_ID], Some(admin.clone()));
    let now = authorizer::now();
    let mut oauth = oauth_claims(SAMPLE_VIEWER, SAMPLE_OAUTH_CLIENT, "", now, now + 3600);
    oauth["metadata"] = admin;
    // Organisation claims, as a session would carry them, do not count either.
    oauth["org_id"] = json!(SAMPLE_ORG);
    oauth["org_permissions"] = json!(["org:tasks:manage"]);
    oauth["fva"] = json!([0, 0]);
    let oauth = mint_oauth(&oauth);
    for api in APIS {
        for token in [&worker, &oauth] {
            let (answer, _, context) = judge(&binary, &event(api, token, "DELETE /tasks/7"));
            assert_eq!(answer, Gateway::Forbidden, "{api:?}");
            if let Api::Http = api {
                assert!(context.get("role").is_none(), "{context}");
                assert!(context.get("org_id").is_none(), "{context}");
            }
        }
    }
}

#[test]
fn machine_tokens_in_a_cookie_or_a_subprotocol_are_refused() {
    let binary = binary();
    let tokens = [
        worker_token(&[DEV_MACHINE_ID], None),
        oauth_token("tasks:read"),
    ];
    let suffixed = dev_session_cookie();
    for token in &tokens {
        for cookie in [format!("__session={token}"), format!("{suffixed}={token}")] {
            let rest = rest_request_event(json!({ "Cookie": cookie }), "GET /tasks");
            let http = http_v2_event(json!({}), &[&cookie], "GET /tasks");
            for (event, answer) in [(rest, Gateway::Unauthorized), (http, Gateway::Forbidden)] {
                let (got, reason, _) = judge(&binary, &event);
                assert_eq!(
                    (got, reason.as_str()),
                    (answer, "machine_token_outside_header")
                );
            }
        }
        let websocket =
            websocket_event(json!({ "Sec-WebSocket-Protocol": format!("clerk, {token}") }));
        let (answer, reason, _) = judge(&binary, &websocket);
        assert_eq!(
            (answer, reason.as_str()),
            (Gateway::Unauthorized, "machine_token_outside_header")
        );
    }
}

#[test]
fn session_rules_are_unchanged_with_machine_tokens_accepted() {
    // The samples' documented answers (every flavour), over the real binary.
    let binary = binary();
    for sample in samples() {
        let (reply, line) = binary.decide(&sample.event);
        assert_eq!(line["reason"], sample.reason, "{}", sample.file);
        assert_eq!(
            reply.ok(),
            sample.answer != Answer::Unauthorized || sample.file.starts_with("http-"),
            "{}",
            sample.file
        );
    }
    // And the same session decisions as with session tokens only.
    let sessions_only = RealAuthorizer::start(
        &dev_env()
            .into_iter()
            .map(|(k, v)| match k {
                "ACCEPTED_TOKENS" => (k, "session_token".to_string()),
                "ACCESS_RULES" => (k, DEV_ACCESS_RULES.to_string()),
                _ => (k, v),
            })
            .collect::<Vec<_>>(),
    );
    for sample in samples()
        .iter()
        .filter(|s| !s.file.contains("m2m") && !s.file.contains("oauth"))
    {
        let (_, with) = binary.decide(&sample.event);
        let (_, without) = sessions_only.decide(&sample.event);
        assert_eq!(with["reason"], without["reason"], "{}", sample.file);
        assert_eq!(with["decision"], without["decision"], "{}", sample.file);
    }
    // Machine tokens there are refused as not accepted.
    for api in APIS {
        for token in [
            worker_token(&[DEV_MACHINE_ID], None),
            oauth_token("tasks:read"),
        ] {
            let (answer, reason, _) = judge(&sessions_only, &event(api, &token, "GET /tasks"));
            assert_eq!(
                (answer, reason.as_str()),
                (refused(api), "token_not_accepted")
            );
        }
    }
}

#[test]
fn an_unknown_category_is_refused_and_the_ignore_category_is_judged_by_structure() {
    let binary = binary();
    let now = authorizer::now();
    let admin = clerk_claims(
        "user_2admin0000000000000000001",
        json!({"role": "admin"}),
        now,
        now + 3600,
    );
    for api in APIS {
        for cat in [
            "cl_B7d4PD444AAA",
            "session",
            "cl_B7d4PD222AAA",
            "cl_B7d4PD333AAA",
        ] {
            let token = mint_with_header(&admin, Some("JWT"), Some(cat));
            let (answer, reason, _) = judge(&binary, &event(api, &token, "GET /tasks"));
            assert_eq!(
                (answer, reason.as_str()),
                (refused(api), "wrong_token_category"),
                "{cat}"
            );
        }
        let ignore = authorizer::kind::IGNORE_CATEGORY;
        let session = mint_with_header(&admin, Some("JWT"), Some(ignore));
        let (answer, _, _) = judge(&binary, &event(api, &session, "DELETE /tasks/1"));
        assert_eq!(answer, Gateway::Allow);
        let mut worker = machine_claims(SAMPLE_WORKER, &[DEV_MACHINE_ID], now, now + 60);
        worker["sid"] = json!("sess_1");
        let worker = mint_with_header(&worker, None, Some(ignore));
        let (_, reason, context) = judge(&binary, &event(api, &worker, "GET /tasks"));
        assert_eq!(reason, "allowed");
        if let Api::Http = api {
            assert_eq!(context["token_type"], "m2m_token");
        }
    }
}

#[test]
fn an_impersonated_session_is_refused_where_its_entry_says_so_with_the_actor_in_the_context() {
    let binary = binary();
    let now = authorizer::now();
    let mut claims = clerk_claims(
        "user_2admin0000000000000000001",
        json!({"role": "admin"}),
        now,
        now + 3600,
    );
    claims["act"] = json!({"sub": SAMPLE_SUPPORT});
    let impersonated = mint(&claims);
    for api in APIS {
        let (answer, reason, _) = judge(&binary, &event(api, &impersonated, "DELETE /tasks/1"));
        assert_eq!(
            (answer, reason.as_str()),
            (Gateway::Forbidden, "impersonation_not_allowed"),
            "{api:?}"
        );
        let (answer, _, context) = judge(&binary, &event(api, &impersonated, "GET /tasks/1"));
        assert_eq!(answer, Gateway::Allow, "{api:?}");
        if let Api::Http = api {
            assert_eq!(context["actor"], SAMPLE_SUPPORT);
        }
    }
    // The decision line names the actor.
    let (_, line) = binary.decide(&event(Api::RestToken, &impersonated, "GET /tasks/1"));
    assert_eq!(line["actor"], SAMPLE_SUPPORT);
    assert_eq!(line["token_type"], "session_token");
}

#[test]
fn the_suffixed_cookie_of_the_configured_publishable_key_is_read_first() {
    let binary = binary();
    let member = mint(&fresh_claims("member"));
    let admin = mint(&fresh_claims("admin"));
    let ours = dev_session_cookie();
    // Clerk's name for it: the first 8 characters of base64url(SHA-1(key)).
    assert_eq!(ours.len(), "__session_".len() + 8);
    let cases = [
        // Ours wins over the plain cookie, in either order.
        (
            format!("__session={admin}; {ours}={member}"),
            Gateway::Forbidden,
        ),
        (
            format!("{ours}={member}; __session={admin}"),
            Gateway::Forbidden,
        ),
        // Present but bad: no fallback to __session.
        (
            format!("{ours}=x.y.z; __session={admin}"),
            Gateway::Unauthorized,
        ),
        // Another app's suffix is not ours: __session decides.
        (
            format!("__session_0therApp={member}; __session={admin}"),
            Gateway::Allow,
        ),
    ];
    for (cookie, rest_answer) in &cases {
        let rest = rest_request_event(json!({ "Cookie": cookie }), "DELETE /tasks/1");
        assert_eq!(judge(&binary, &rest).0, *rest_answer, "{cookie}");
        let pairs: Vec<&str> = cookie.split("; ").collect();
        let http = http_v2_event(json!({}), &pairs, "DELETE /tasks/1");
        let http_answer = match rest_answer {
            Gateway::Unauthorized => Gateway::Forbidden,
            other => *other,
        };
        assert_eq!(judge(&binary, &http).0, http_answer, "{cookie}");
        let ws = websocket_event(json!({ "Cookie": cookie }));
        let (answer, _, _) = judge(&binary, &ws);
        // A member may $connect; an admin may too: only a refusal differs here.
        assert_eq!(
            answer == Gateway::Unauthorized,
            *rest_answer == Gateway::Unauthorized,
            "{cookie}"
        );
    }
    let other_app_only = rest_request_event(
        json!({ "Cookie": format!("__session_0therApp={member}") }),
        "GET /tasks",
    );
    assert_eq!(judge(&binary, &other_app_only).1, "no_token");
}

#[test]
fn metadata_cannot_set_the_reserved_keys_and_the_cap_keeps_the_ones_handlers_need() {
    let authorizer = dev_authorizer();
    let now = authorizer::now();
    let mut claims = clerk_claims(
        SAMPLE_MANAGER,
        json!({"token_type": "m2m_token", "machine_id": "mch_2x", "client_id": "c", "scopes": "admin",
               "actor": "user_2boss", "sub": "user_2other", "big": "x".repeat(3000)}),
        now,
        now + 60,
    );
    set_org(
        &mut claims,
        SAMPLE_ORG,
        "acme",
        "org:member",
        &["org:tasks:view"],
    );
    let event = http_v2_event(
        json!({ "authorization": format!("Bearer {}", mint(&claims)) }),
        &[],
        "GET /tasks",
    );
    let outcome = run(&authorizer, &event);
    let context = &response(&outcome)["context"];
    assert_eq!(context["token_type"], "session_token");
    assert_eq!(context["sub"], SAMPLE_MANAGER);
    assert_eq!(context["org_id"], SAMPLE_ORG);
    for key in ["machine_id", "client_id", "scopes", "actor", "big"] {
        assert!(context.get(key).is_none(), "{key}: {context}");
    }
    assert_eq!(outcome.dropped_context, ["big"]);

    // An OAuth token's scopes are never dropped, however long.
    let scopes: Vec<String> = (0..300).map(|i| format!("tasks:scope{i}")).collect();
    let mut oauth = oauth_claims(
        SAMPLE_VIEWER,
        &"c".repeat(2000),
        &scopes.join(" "),
        now,
        now + 60,
    );
    oauth["act"] = json!({"sub": "user_2agent"});
    let event = http_v2_event(
        json!({ "authorization": format!("Bearer {}", mint_oauth(&oauth)) }),
        &[],
        "GET /me",
    );
    let outcome = run(&authorizer, &event);
    let context = &response(&outcome)["context"];
    assert_eq!(context["scopes"], scopes.join(" "));
    assert_eq!(
        (context["sub"].as_str(), context["token_type"].as_str()),
        (Some(SAMPLE_VIEWER), Some("oauth_token"))
    );
    // Everything else gives way, and the outcome says what.
    assert_eq!(outcome.dropped_context, ["client_id", "actor"]);
}

/// In-process: the conditions and checks of one kind never leak into another's.
#[test]
fn each_condition_holds_only_for_its_kind_of_token() {
    let rules = r#"[
        {"routes": ["GET /client"], "when": {"token": "oauth_token", "client": "client_2sampleapp000000000001"}},
        {"routes": ["GET /support"], "when": {"impersonation": true}},
        {"routes": ["GET /personal"], "when": {"token": ["session_token", "m2m_token", "oauth_token"], "org": false}},
        {"routes": ["GET /anyone"], "when": {"token": ["session_token", "m2m_token", "oauth_token"]}}
    ]"#;
    // JWT_AUDIENCE and AUTHORIZED_PARTIES are session checks: machine tokens carry neither.
    let authorizer = authorizer_with(&[
        ("ACCESS_RULES", rules),
        ("JWT_AUDIENCE", "https://sessions.example"),
    ]);
    let now = authorizer::now();
    let decide = |token: &str, route: &str| {
        let outcome = run(&authorizer, &token_event(&format!("Bearer {token}"), route));
        (outcome.verdict.name(), outcome.reason, outcome.response)
    };
    let worker = worker_token(&[DEV_MACHINE_ID], None);
    let oauth = oauth_token("tasks:read");
    let other_client = mint_oauth(&oauth_claims(
        SAMPLE_VIEWER,
        "client_2other",
        "tasks:read",
        now,
        now + 60,
    ));
    let mut session = clerk_claims(SAMPLE_PERSONAL, json!({}), now, now + 60);
    session["aud"] = json!("https://sessions.example");
    let personal = mint(&session);
    session["act"] = json!({"sub": SAMPLE_SUPPORT});
    let impersonated = mint(&session);

    assert_eq!(decide(&oauth, "GET /client").1, "allowed");
    assert_eq!(decide(&other_client, "GET /client").1, "client_not_allowed");
    assert_eq!(decide(&worker, "GET /client").1, "token_kind_not_allowed");
    // `impersonation: true` holds only with an `act`.
    assert_eq!(decide(&impersonated, "GET /support").1, "allowed");
    assert_eq!(
        decide(&personal, "GET /support").1,
        "impersonation_required"
    );
    // `org: false` is a session condition: no machine token is a "personal account".
    assert_eq!(decide(&personal, "GET /personal").1, "allowed");
    for token in [&worker, &oauth] {
        assert_eq!(decide(token, "GET /personal").1, "session_conditions_unmet");
        // The policy's principal is the token's `sub`, and so is the context's.
        let (verdict, _, response) = decide(token, "GET /anyone");
        assert_eq!(verdict, "allow");
        let response: Value = serde_json::from_str(&response.unwrap()).unwrap();
        assert_eq!(response["principalId"], response["context"]["sub"]);
    }
    // A session without the configured audience is refused; machine tokens are not asked.
    let mut no_aud = clerk_claims(SAMPLE_PERSONAL, json!({}), now, now + 60);
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_eq!(decide(&mint(&no_aud), "GET /anyone").1, "wrong_audience");
}
