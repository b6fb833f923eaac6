//! The webhook provisioner (`api-handlers`' `provisioner`) against moto's API Gateway, over real
//! HTTP: the same local AWS server local-gateway starts for the template's tables. Deliveries are
//! real proxy events signed as Svix signs them (`tests::webhook`, the minter's).

mod common;

use api_handlers::aws_rest::AwsClient;
use api_handlers::provisioner::Provisioner;
use api_handlers::usage_keys::{PlanNames, UsageKeys};
use api_handlers::ApiRequest;
use aws_credential_types::Credentials;
use clerk_webhooks::svix::SigningSecret;
use local_gateway::dynamodb::LocalServer;
use serde_json::{json, Value};

const ORG: &str = "org_2acme0000000000000000001";
const PREFIX: &str = "test-";

struct Setup {
    server: LocalServer,
    client: AwsClient,
    provisioner: Provisioner,
    /// Usage plan name → id.
    plans: std::collections::BTreeMap<String, String>,
}

fn setup() -> Setup {
    let server = LocalServer::start(&common::workspace()).expect("moto_server starts");
    let client = AwsClient::new(
        "eu-west-1",
        Credentials::new("local", "local", None, None, "test"),
    )
    .at_endpoint(&server.endpoint);
    let mut plans = std::collections::BTreeMap::new();
    for name in ["Default", "Pro"] {
        let reply = client
            .call(
                api_handlers::aws_rest::API_GATEWAY,
                "POST",
                "/usageplans",
                &[],
                Some(&json!({ "name": name })),
            )
            .unwrap();
        assert!(reply.status < 300, "{reply:?}");
        plans.insert(
            name.to_string(),
            reply.body["id"].as_str().unwrap().to_string(),
        );
    }
    let provisioner = Provisioner {
        secret: SigningSecret::parse(tests::DEV_WEBHOOK_SECRET).unwrap(),
        plans: PlanNames::parse(Some("Default"), Some("free=Default,pro=Pro")).unwrap(),
        keys: UsageKeys::new(client.clone(), PREFIX),
    };
    Setup {
        server,
        client,
        provisioner,
        plans,
    }
}

/// A REST proxy event of `POST /webhooks/clerk` carrying a delivery.
fn delivery(headers: &[(String, String)], body: &str) -> ApiRequest {
    let headers: serde_json::Map<String, Value> =
        headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let event = json!({
        "resource": "/webhooks/clerk", "path": "/webhooks/clerk", "httpMethod": "POST",
        "headers": headers, "multiValueHeaders": {}, "queryStringParameters": null,
        "pathParameters": null, "stageVariables": null, "body": body, "isBase64Encoded": false,
        "requestContext": { "resourcePath": "/webhooks/clerk", "httpMethod": "POST", "stage": "prod",
                            "requestId": "r", "accountId": "1", "apiId": "a", "identity": {} },
    });
    ApiRequest::from_event(&event).unwrap()
}

impl Setup {
    fn server_endpoint(&self) -> &str {
        &self.server.endpoint
    }

    /// Sends event `kind` for `tenant`, dated `at` ms: (status, outcome).
    fn send(&self, kind: &str, tenant: &str, plan: Option<&str>, at: i64) -> (u16, String) {
        let now = api_handlers::provisioner::now();
        let (headers, body) = tests::webhook(kind, tenant, plan, at, now);
        self.post(&headers, &body, now)
    }

    fn post(&self, headers: &[(String, String)], body: &str, now: i64) -> (u16, String) {
        let response = self
            .provisioner
            .handle(&delivery(headers, body), now)
            .to_lambda(&[]);
        let answer: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        let outcome = answer["outcome"]
            .as_str()
            .or(answer["message"].as_str())
            .unwrap_or_default();
        (
            response["statusCode"].as_u64().unwrap() as u16,
            outcome.to_string(),
        )
    }

    /// (enabled, the names of the plans it is in) of `tenant`'s key; `None` without one.
    fn key(&self, tenant: &str) -> Option<(bool, Vec<String>)> {
        let key = self.provisioner.keys.find(tenant).unwrap()?;
        let ids = self.provisioner.keys.plans_of(&key).unwrap();
        let names = self
            .plans
            .iter()
            .filter(|(_, id)| ids.contains(id))
            .map(|(n, _)| n.clone())
            .collect();
        Some((key.enabled, names))
    }
}

#[test]
fn each_event_creates_moves_or_disables_the_tenants_key() {
    let s = setup();
    assert_eq!(s.send("organization.created", ORG, None, 1_000).0, 200);
    assert_eq!(s.key(ORG), Some((true, vec!["Default".to_string()])));
    // The key's value is the prefix and the tenant id: the authorizer's usageIdentifierKey.
    let listed = s
        .client
        .call(
            api_handlers::aws_rest::API_GATEWAY,
            "GET",
            "/apikeys?includeValues=true",
            &[],
            None,
        )
        .unwrap();
    assert_eq!(listed.body["item"][0]["value"], format!("{PREFIX}{ORG}"));
    assert_eq!(
        s.send("subscriptionItem.active", ORG, Some("pro"), 2_000).0,
        200
    );
    assert_eq!(s.key(ORG), Some((true, vec!["Pro".to_string()])));
    assert_eq!(
        s.send("subscriptionItem.ended", ORG, Some("pro"), 3_000).0,
        200
    );
    assert_eq!(s.key(ORG), Some((true, vec!["Default".to_string()])));
    // A plan slug without a usage plan of its own is the default plan.
    assert_eq!(
        s.send("subscriptionItem.active", ORG, Some("enterprise"), 3_500)
            .0,
        200
    );
    assert_eq!(s.key(ORG), Some((true, vec!["Default".to_string()])));
    assert_eq!(s.send("organization.deleted", ORG, None, 4_000).0, 200);
    assert_eq!(s.key(ORG).map(|k| k.0), Some(false));
    // A personal account's user, and events that change no key.
    assert_eq!(
        s.send("user.created", "user_2solo0000000000000000001", None, 1_000)
            .0,
        200
    );
    assert_eq!(
        s.key("user_2solo0000000000000000001"),
        Some((true, vec!["Default".to_string()]))
    );
}

#[test]
fn stale_and_replayed_deliveries_change_nothing() {
    let s = setup();
    // The upgrade arrives before the creation: the key is made in Pro, and the late creation
    // (an older event) leaves it there.
    assert_eq!(
        s.send("subscriptionItem.active", ORG, Some("pro"), 2_000),
        (200, "applied".into())
    );
    assert_eq!(
        s.send("organization.created", ORG, None, 1_000),
        (200, "stale".into())
    );
    assert_eq!(s.key(ORG), Some((true, vec!["Pro".to_string()])));
    // An ended subscription delivered before a newer re-activation does not undo it.
    assert_eq!(
        s.send("subscriptionItem.active", ORG, Some("pro"), 4_000).1,
        "applied"
    );
    assert_eq!(
        s.send("subscriptionItem.ended", ORG, Some("pro"), 3_000).1,
        "stale"
    );
    assert_eq!(s.key(ORG), Some((true, vec!["Pro".to_string()])));
    // The same delivery twice (Svix retries): applied once.
    let now = api_handlers::provisioner::now();
    let (headers, body) = tests::webhook("subscriptionItem.ended", ORG, Some("pro"), 5_000, now);
    assert_eq!(s.post(&headers, &body, now).1, "applied");
    assert_eq!(s.post(&headers, &body, now).1, "stale");
    assert_eq!(s.key(ORG), Some((true, vec!["Default".to_string()])));
    // A deletion delivered before the creation: the late creation does not bring it back.
    let gone = "org_2gone0000000000000000001";
    assert_eq!(
        s.send("organization.deleted", gone, None, 2_000).1,
        "applied"
    );
    assert_eq!(s.send("organization.created", gone, None, 1_000).1, "stale");
    assert_eq!(s.key(gone), Some((false, vec![])));
}

#[test]
fn wrong_secret_stale_and_malformed_deliveries_are_refused_before_anything_changes() {
    let s = setup();
    let now = api_handlers::provisioner::now();
    let (headers, body) = tests::webhook("organization.created", ORG, None, 1_000, now);
    // Signed with another endpoint's secret.
    let other = SigningSecret::parse("whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=").unwrap();
    let mut forged = headers.clone();
    forged[2].1 = other.sign(&headers[0].1, now, body.as_bytes());
    assert_eq!(s.post(&forged, &body, now).0, 401);
    // Delivered (or replayed) more than five minutes after it was signed.
    assert_eq!(s.post(&headers, &body, now + 301).0, 400);
    // A missing header.
    assert_eq!(s.post(&headers[..2], &body, now).0, 400);
    // A signed body that is not a Clerk event.
    let secret = SigningSecret::parse(tests::DEV_WEBHOOK_SECRET).unwrap();
    let junk = r#"{"type": "organization.created", "data": {}}"#;
    let mut signed = headers.clone();
    signed[2].1 = secret.sign(&headers[0].1, now, junk.as_bytes());
    assert_eq!(s.post(&signed, junk, now).0, 400);
    assert_eq!(s.key(ORG), None, "nothing was created");
    assert_eq!(s.post(&headers, &body, now).0, 200);
}

#[test]
fn a_missing_usage_plan_is_a_500_that_svix_retries() {
    let s = setup();
    let provisioner = Provisioner {
        plans: PlanNames::parse(Some("Missing"), None).unwrap(),
        ..s.provisioner
    };
    let now = api_handlers::provisioner::now();
    let (headers, body) = tests::webhook("organization.created", ORG, None, 1_000, now);
    let response = provisioner
        .handle(&delivery(&headers, &body), now)
        .to_lambda(&[]);
    assert_eq!(response["statusCode"], 500);
}

/// The backfill, as an operator runs it: the real `backfill` binary against the local Clerk API
/// (two tenants a page, a 429 first) and moto's API Gateway. Missing keys are created and wrong
/// ones corrected; right ones, and keys of tenants Clerk no longer lists, are left alone; a dry
/// run changes nothing.
#[test]
fn the_backfill_gives_every_tenant_clerk_lists_its_key_in_its_plans_usage_plan() {
    common::build_functions();
    let s = setup();
    let (pro_org, new_org, free_org) = (
        "org_2backfillpro000000000001",
        "org_2backfillnew000000000001",
        "org_2backfillfree00000000001",
    );
    let (user, gone) = (
        "user_2backfill000000000000001",
        "org_2backfillgone00000000001",
    );
    // Before: the Pro tenant has no key; the new one was wrongly left in Pro; the departed one
    // keeps its key (its deletion event disables it, not the backfill).
    assert_eq!(
        s.send("subscriptionItem.active", new_org, Some("pro"), 1_000)
            .0,
        200
    );
    assert_eq!(s.send("organization.created", gone, None, 1_000).0, 200);
    let subscription = |status: &str, slug: &str| {
        json!({ "object": "commerce_subscription", "status": "active",
                "subscription_items": [{ "object": "commerce_subscription_item", "status": status,
                                         "plan": { "slug": slug } }] })
    };
    let clerk_file = common::TempFile::new(
        "backfill-clerk.json",
        &json!({
            "secret_keys": [tests::DEV_SECRET_KEY],
            "organizations": [pro_org, new_org, free_org],
            "users": [user],
            "subscriptions": {
                pro_org: subscription("active", "pro"),
                free_org: subscription("active", "free"),
                user: subscription("ended", "pro"),
            },
        })
        .to_string(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let clerk = runtime
        .block_on(local_gateway::clerk_api::LocalClerkApi::start(
            clerk_file.path(),
            0,
        ))
        .unwrap();
    let backfill = |args: &[&str]| {
        let output = std::process::Command::new(common::bin_dir().join("backfill"))
            .args(args)
            .env_clear()
            .envs([
                ("CLERK_SECRET_KEY", tests::DEV_SECRET_KEY),
                ("CLERK_API_URL", clerk.url.as_str()),
                ("DEFAULT_USAGE_PLAN", "Default"),
                ("PLAN_USAGE_PLANS", "free=Default,pro=Pro"),
                ("USAGE_KEY_PREFIX", PREFIX),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_ACCESS_KEY_ID", "local"),
                ("AWS_SECRET_ACCESS_KEY", "local"),
                ("AWS_ENDPOINT_URL_API_GATEWAY", s.server_endpoint()),
            ])
            .output()
            .expect("backfill runs");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let dry = backfill(&["--dry-run", "--page-size", "2"]);
    assert!(
        dry.contains("4 tenants; 3 keys created, 1 corrected"),
        "{dry}"
    );
    assert_eq!(s.key(pro_org), None, "a dry run changes nothing");
    // Clerk's rate limit first: the backfill waits Retry-After and goes on.
    let control = format!("{}/_control", clerk.url);
    let throttled = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            "--data",
            r#"{"fault":"429","retry_after":1,"times":1}"#,
            &control,
        ])
        .status()
        .unwrap();
    assert!(throttled.success());
    let out = backfill(&["--page-size", "2"]);
    assert!(
        out.contains("4 tenants; 3 keys created, 1 corrected, 0 already right"),
        "{out}"
    );
    let in_plan = |plan: &str| Some((true, vec![plan.to_string()]));
    assert_eq!(s.key(pro_org), in_plan("Pro"));
    assert_eq!(s.key(new_org), in_plan("Default"));
    assert_eq!(s.key(free_org), in_plan("Default"));
    assert_eq!(
        s.key(user),
        in_plan("Default"),
        "an ended subscription is the default plan"
    );
    assert_eq!(s.key(gone), in_plan("Default"), "not listed: left alone");
    // A webhook after the backfill is not undone by it, and a second run finds all right.
    let later = api_handlers::provisioner::now() * 1000 + 60_000;
    assert_eq!(
        s.send("subscriptionItem.active", free_org, Some("pro"), later)
            .0,
        200
    );
    let again = backfill(&[]);
    assert!(
        again.contains(
            "4 tenants; 0 keys created, 0 corrected, 3 already right, 1 left to newer webhooks"
        ),
        "{again}"
    );
    assert_eq!(s.key(free_org), in_plan("Pro"));
}
