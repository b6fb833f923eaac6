//! Usage plans on local-gateway, as API Gateway applies them: the metered REST recipe of
//! `examples/` behind the real authorizer (keys whose values are Clerk tenant ids), and `x-api-key`
//! keys on an API of the fixture's own. 200 within the plan, 429 past the quota or the throttle,
//! 403 without an enabled key in a plan of the stage, and none of these on unmetered routes.

mod common;

use common::*;

const FIXTURE: &str = "local-gateway/tests/fixtures/metering.yaml";
const FREE: &str = "org_2free00000000000000000001";
const PRO: &str = "org_2pro000000000000000000001";
const NO_KEY: &str = "org_2nokey0000000000000000001";

fn gateway() -> (Gateway, TempFile) {
    let env = dev_env_file();
    let g = Gateway::start(FIXTURE, &["--env-file", env.path()]);
    (g, env)
}

/// A member's session in organisation `org`.
fn member_of(org: &str) -> String {
    let mut claims = tests::sample_claims(Some("member"));
    tests::set_org(&mut claims, org, "acme", "org:member", &[]);
    tests::mint(&claims)
}

fn status(answer: &Answer) -> (u16, String) {
    let message = answer.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (answer.status, message)
}

#[test]
fn a_free_tenant_runs_out_of_quota_while_a_paid_one_goes_on_and_unmetered_routes_stay_open() {
    let (g, _env) = gateway();
    let tasks = g.url("Metered/Api", "/tasks");
    let (free, pro) = (member_of(FREE), member_of(PRO));
    // Three a day on the free plan; the authorizer's answer is cached after the first call,
    // and a cached answer counts all the same.
    for left in [2, 1, 0] {
        assert_eq!(get(&tasks, Some(&free)).status, 200);
        g.wait_for_lines(&format!("plan=local-free quota_left={left}"), 1);
    }
    assert_eq!(
        status(&get(&tasks, Some(&free))),
        (429, "Limit Exceeded".into())
    );
    for _ in 0..5 {
        assert_eq!(
            get(&tasks, Some(&pro)).status,
            200,
            "the paid tenant goes on"
        );
    }
    // Not metered: no key needed, nothing counted, past the quota or not.
    assert_eq!(get(&g.url("Metered/Api", "/me"), Some(&free)).status, 200);
    assert_eq!(get(&g.url("Metered/Api", "/health"), None).status, 200);
    // A refused token is API Gateway's 401, before any key is looked at; it counts nothing.
    assert_eq!(
        status(&get(&tasks, Some("not-a-token"))),
        (401, "Unauthorized".into())
    );
    assert_eq!(get(&tasks, None).status, 401);
}

#[test]
fn a_tenant_without_a_key_is_forbidden_on_metered_routes_only() {
    let (g, _env) = gateway();
    let stranger = member_of(NO_KEY);
    let tasks = g.url("Metered/Api", "/tasks");
    assert_eq!(
        status(&get(&tasks, Some(&stranger))),
        (403, "Forbidden".into())
    );
    assert_eq!(
        get(&g.url("Metered/Api", "/me"), Some(&stranger)).status,
        200
    );
    g.wait_for_lines("api_key=unknown", 1);
}

#[test]
fn a_method_throttle_of_the_plan_answers_too_many_requests() {
    let (g, _env) = gateway();
    let free = member_of(FREE);
    let tasks = g.url("Metered/Api", "/tasks");
    // The free plan lets one write a second through POST /tasks, whatever its own rate.
    let post = |body| {
        call_with_body(
            "POST",
            &tasks,
            &[("authorization", &format!("Bearer {free}"))],
            body,
        )
    };
    assert_eq!(post("{}").status, 200, "the first write passes");
    assert_eq!(status(&post("{}")), (429, "Too Many Requests".into()));
}

#[test]
fn header_keys_are_enabled_keys_in_a_plan_of_the_stage() {
    let (g, _env) = gateway();
    let items = g.url("KeyedApi", "/items");
    let with_key = |key: &str| call("GET", &items, &[("x-api-key", key)]);
    for key in [
        "k3y-revoked-0000000000000000000001",
        "k3y-planless-000000000000000000001",
        "k3y-unknown-0000000000000000000001",
    ] {
        assert_eq!(status(&with_key(key)), (403, "Forbidden".into()), "{key}");
    }
    assert_eq!(status(&call("GET", &items, &[])), (403, "Forbidden".into()));
    assert_eq!(with_key("k3y-partner-0000000000000000000001").status, 200);
    assert_eq!(with_key("k3y-partner-0000000000000000000001").status, 200);
    assert_eq!(
        status(&with_key("k3y-partner-0000000000000000000001")),
        (429, "Limit Exceeded".into())
    );
    // Key values never reach the log.
    assert!(!g.output().contains("k3y-partner"));
}

#[test]
fn sams_api_key_required_applies_to_every_route_but_the_one_that_opts_out() {
    let (g, _env) = gateway();
    let partner = [("x-api-key", "k3y-partner-0000000000000000000001")];
    let reports = g.url("SamKeyed", "/reports");
    assert_eq!(
        status(&call("GET", &reports, &[])),
        (403, "Forbidden".into())
    );
    assert_eq!(call("GET", &reports, &partner).status, 200);
    assert_eq!(call("GET", &g.url("SamKeyed", "/status"), &[]).status, 200);
    g.wait_for_lines("plan=sam-keyed quota=none", 1);
    // SAM's AddApiKeyRequiredToCorsPreflight defaults to true: the preflight needs the key.
    let preflight = [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "GET"),
    ];
    assert_eq!(
        status(&call("OPTIONS", &reports, &preflight)),
        (403, "Forbidden".into())
    );
    let keyed = [preflight[0], preflight[1], partner[0]];
    assert_eq!(call("OPTIONS", &reports, &keyed).status, 200);
}

/// SAM's `Auth.UsagePlan` makes a plan local-gateway enforces, and a key created at run time in
/// moto's API Gateway (as a provisioner creates them) counts within the time it takes to read it
/// back; its quota then answers 429.
#[test]
fn sams_usage_plan_meters_keys_created_at_run_time() {
    let (g, _env) = gateway();
    let plans = g.url("SamPlanned", "/plans");
    let key = [("x-api-key", "k3y-runtime-0000000000000000000001")];
    assert_eq!(
        status(&call("GET", &plans, &key)),
        (403, "Forbidden".into())
    );
    let line = g.wait_for_lines("usage plans also in moto's API Gateway at ", 1)[0].clone();
    let endpoint = line
        .split(" at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let client = api_handlers::aws_rest::AwsClient::new(
        "us-east-1",
        aws_credential_types::Credentials::new("local", "local", None, None, "test"),
    )
    .at_endpoint(&endpoint);
    let keys = api_handlers::usage_keys::UsageKeys::new(client, "k3y-runtime-");
    let created = keys.create("0000000000000000000001", true, 1).unwrap();
    let plan = keys.plans().unwrap()["SamPlannedUsagePlan"].clone();
    keys.move_to(&created, &plan).unwrap();
    g.wait_for_lines(
        "API key 0000000000000000000001 (from moto's API Gateway): enabled, in usage plan SamPlannedUsagePlan",
        1,
    );
    assert_eq!(call("GET", &plans, &key).status, 200);
    assert_eq!(call("GET", &plans, &key).status, 200);
    assert_eq!(
        status(&call("GET", &plans, &key)),
        (429, "Limit Exceeded".into())
    );
    g.wait_for_lines(
        "SAM's Auth.UsagePlan of SamPlanned also makes an API key",
        1,
    );
}

/// A member's session in `org`, with the sample's tasks permissions.
fn editor_in(org: &str) -> String {
    let mut claims = tests::sample_claims(None);
    claims["sub"] = "user_2editor000000000000000001".into();
    tests::set_org(
        &mut claims,
        org,
        "acme",
        "org:member",
        &["org:tasks:view", "org:tasks:edit"],
    );
    tests::mint(&claims)
}

/// Delivers Clerk's event `kind` for `tenant` to the sample's webhook route, as Svix would.
fn deliver(g: &Gateway, kind: &str, tenant: &str, plan: Option<&str>, at: i64) -> Answer {
    let now = api_handlers::provisioner::now();
    let (headers, body) = tests::webhook(kind, tenant, plan, at, now);
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain([("content-type", "application/json")])
        .collect();
    call_with_body(
        "POST",
        &g.url("MeteredApi", "/webhooks/clerk"),
        &headers,
        &body,
    )
}

/// The sample end to end with `Metering=true`: keys exist only once Clerk's webhooks have
/// created them (through moto's API Gateway, which local-gateway reads back), a Default tenant
/// runs out of its quota while a Pro one goes on, an upgrade moves it, a deletion disables it;
/// the unmetered routes stay open, and no tasks route is left outside the metered API.
#[test]
fn the_sample_with_metering_meters_tenants_as_clerks_webhooks_say() {
    let env = dev_env_file();
    let g = Gateway::start(
        "template.yaml",
        &[
            "--env-file",
            env.path(),
            "--parameter-overrides",
            "Metering=true",
            "DefaultPlanQuotaLimit=3",
        ],
    );
    let tasks = g.url("MeteredApi", "/tasks");
    let (free, pro) = (editor_in(FREE), editor_in(PRO));
    assert_eq!(
        status(&get(&tasks, Some(&free))),
        (403, "Forbidden".into()),
        "no key before the webhook"
    );
    let seen = |tenant: &str, state: &str| {
        g.wait_for_lines(
            &format!("API key {tenant} (from moto's API Gateway): {state}"),
            1,
        )
    };
    let at = 1_796_000_000_000;
    for tenant in [FREE, PRO] {
        assert_eq!(
            deliver(&g, "organization.created", tenant, None, at).status,
            200
        );
    }
    assert_eq!(
        deliver(&g, "subscriptionItem.active", PRO, Some("pro"), at + 1).status,
        200
    );
    seen(FREE, "enabled, in usage plan local-Default");
    seen(PRO, "enabled, in usage plan local-Pro");
    for _ in 0..3 {
        assert_eq!(get(&tasks, Some(&free)).status, 200);
    }
    assert_eq!(
        status(&get(&tasks, Some(&free))),
        (429, "Limit Exceeded".into())
    );
    for _ in 0..4 {
        assert_eq!(
            get(&tasks, Some(&pro)).status,
            200,
            "the Pro tenant goes on"
        );
    }
    // The upgrade moves the key; the Pro plan's quota is its own.
    assert_eq!(
        deliver(&g, "subscriptionItem.active", FREE, Some("pro"), at + 2).status,
        200
    );
    seen(FREE, "enabled, in usage plan local-Pro");
    assert_eq!(get(&tasks, Some(&free)).status, 200);
    // A stale event (older than the upgrade) changes nothing.
    assert_eq!(
        deliver(&g, "subscriptionItem.ended", FREE, Some("pro"), at + 1).status,
        200
    );
    assert_eq!(get(&tasks, Some(&free)).status, 200);
    assert_eq!(
        deliver(&g, "organization.deleted", FREE, None, at + 3).status,
        200
    );
    seen(FREE, "disabled");
    assert_eq!(status(&get(&tasks, Some(&free))), (403, "Forbidden".into()));
    // Unmetered: RestApi's /me and /health; the HTTP API has no tasks routes with Metering.
    assert_eq!(get(&g.url("RestApi", "/me"), Some(&free)).status, 200);
    assert_eq!(get(&g.url("RestApi", "/health"), None).status, 200);
    assert_eq!(get(&g.url("HttpApi", "/tasks"), Some(&free)).status, 404);
    // A browser's preflight carries no token, so it needs no key.
    let preflight = [
        ("Origin", "http://localhost:3000"),
        ("Access-Control-Request-Method", "GET"),
    ];
    assert_eq!(call("OPTIONS", &tasks, &preflight).status, 200);
    // A forged delivery is refused and creates nothing.
    let forged = call_with_body(
        "POST",
        &g.url("MeteredApi", "/webhooks/clerk"),
        &[
            ("svix-id", "msg_1"),
            ("svix-timestamp", "1"),
            ("svix-signature", "v1,AAAA"),
        ],
        "{}",
    );
    assert!(matches!(forged.status, 400 | 401), "{}", forged.status);
}

#[test]
fn a_key_in_two_plans_of_one_stage_stops_the_start() {
    let text = std::fs::read_to_string(workspace().join(FIXTURE)).unwrap();
    let text = text.replace("../../../", &format!("{}/", workspace().display()))
        + r#"
  SecondPlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ ApiId: !Ref KeyedApi, Stage: v1 }]
  PartnerSecondPlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: { KeyId: !Ref PartnerKey, KeyType: API_KEY, UsagePlanId: !Ref SecondPlan }
"#;
    let fixture = TempFile::new("two-plans.yaml", &text);
    let env = dev_env_file();
    let Err(refused) = Gateway::try_start(fixture.path(), &["--env-file", env.path()]) else {
        panic!("a key in two plans of one stage was accepted");
    };
    assert!(
        refused
            .output
            .contains("allows a key in only one plan per stage"),
        "{}",
        refused.output
    );
}
