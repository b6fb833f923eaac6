//! The tasks API on the real template, against a real DynamoDB-compatible server (moto, which
//! local-gateway starts and creates `TasksTable` on from the template): tenant isolation, the
//! editing rules, conflicting edits, pagination, and a table that is missing or unreachable.

mod common;

use std::time::Duration;

use api_handlers::task_store::TaskStore;
use common::*;
use local_gateway::dynamodb;
use serde_json::{json, Value};

const ORG_A: &str = "org_2tenantA0000000000000001";
const ORG_B: &str = "org_2tenantB0000000000000001";
const ORG_C: &str = "org_2tenantC0000000000000001";
const ALICE: &str = "user_2alice000000000000000001";
const BOB: &str = "user_2bob00000000000000000001";
const CAROL: &str = "user_2carol000000000000000001";
const DAVE: &str = "user_2dave0000000000000000001";

const VIEW: &[&str] = &["org:tasks:view"];
const EDIT: &[&str] = &["org:tasks:view", "org:tasks:edit"];
const MANAGE: &[&str] = &["org:tasks:view", "org:tasks:edit", "org:tasks:manage"];

fn start(args: &[&str]) -> (Gateway, TempFile) {
    let env = dev_env_file();
    let mut all = vec!["--env-file", env.path()];
    all.extend_from_slice(args);
    (Gateway::start("template.yaml", &all), env)
}

fn claims(sub: &str) -> Value {
    let now = authorizer::now();
    tests::clerk_claims(sub, json!({}), now - 60, now + 600)
}

/// A member of `org` with `permissions` (and a fresh reverification, which DELETE needs).
fn org_token(sub: &str, org: &str, permissions: &[&str]) -> String {
    let mut claims = claims(sub);
    tests::set_org(&mut claims, org, "acme", "org:member", permissions);
    tests::mint(&claims)
}

/// A personal account (no active organisation) with the `member` role.
fn personal_token(sub: &str) -> String {
    let mut claims = claims(sub);
    claims["metadata"] = json!({ "role": "member" });
    tests::mint(&claims)
}

fn send(method: &str, url: &str, token: &str, body: Option<Value>) -> Answer {
    let auth = format!("Bearer {token}");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    call_with_body(
        method,
        url,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
}

/// The handler's own store on the gateway's table: seeds and inspects it as the handler does.
fn store(endpoint: &str) -> TaskStore {
    TaskStore::new(dynamodb::client(endpoint, "us-east-1"), "TasksTable".into())
}

#[test]
fn the_same_task_id_in_two_organisations_and_a_personal_account_stays_apart() {
    let (gateway, _env) = start(&[]);
    let endpoint = gateway
        .dynamodb
        .clone()
        .expect("the gateway reports its DynamoDB endpoint");
    let rt = runtime();
    let store = store(&endpoint);
    // The table is the template's own definition.
    let key = rt
        .block_on(dynamodb::key_schema(
            &dynamodb::client(&endpoint, "us-east-1"),
            "TasksTable",
        ))
        .unwrap();
    assert_eq!(
        key,
        [
            ("tenant".into(), "HASH".into()),
            ("id".into(), "RANGE".into())
        ] as [(String, String); 2]
    );

    let id = "0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b";
    for (tenant, title, owner) in [
        (ORG_A, "A's task", ALICE),
        (ORG_B, "B's task", BOB),
        (CAROL, "Carol's own task", CAROL),
    ] {
        rt.block_on(store.create(tenant, &tests::seeded_task(id, title, owner)))
            .unwrap();
    }
    let rest = gateway.url("RestApi", &format!("/tasks/{id}"));
    let http = gateway.url("HttpApi", &format!("/tasks/{id}"));
    let alice = org_token(ALICE, ORG_A, EDIT);
    let bob = org_token(BOB, ORG_B, MANAGE);
    let carol = personal_token(CAROL);
    for (token, title) in [
        (&alice, "A's task"),
        (&bob, "B's task"),
        (&carol, "Carol's own task"),
    ] {
        for url in [&rest, &http] {
            let answer = send("GET", url, token, None);
            assert_eq!(answer.status, 200, "{url}: {}", answer.body);
            assert_eq!(answer.json()["title"], title);
        }
    }
    // Each list holds its own tenant's task and no other.
    for (token, title) in [
        (&alice, "A's task"),
        (&bob, "B's task"),
        (&carol, "Carol's own task"),
    ] {
        let list = send("GET", &gateway.url("HttpApi", "/tasks"), token, None).json();
        let titles: Vec<&str> = list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, [title]);
    }

    // Another organisation, and Alice without her organisation, see nothing, change nothing,
    // and cannot tell a task of another tenant from a missing one.
    let dave = org_token(DAVE, ORG_C, MANAGE);
    let alice_alone = personal_token(ALICE);
    let missing = gateway.url("HttpApi", "/tasks/0192f0c1-7e5a-7cc3-9b1e-000000000000");
    let not_found = send("GET", &missing, &dave, None);
    assert_eq!(not_found.status, 404);
    for token in [&dave, &alice_alone] {
        for (method, body) in [
            ("GET", None),
            ("PATCH", Some(json!({ "title": "Mine now" }))),
        ] {
            for url in [&rest, &http] {
                let answer = send(method, url, token, body.clone());
                assert_eq!(answer.status, 404, "{method} {url}: {}", answer.body);
                assert_eq!(
                    answer.json(),
                    not_found.json(),
                    "the same answer as a missing task"
                );
            }
        }
    }
    let delete = send("DELETE", &http, &dave, None);
    assert_eq!(delete.status, 404, "{}", delete.body);
    for (tenant, title) in [
        (ORG_A, "A's task"),
        (ORG_B, "B's task"),
        (CAROL, "Carol's own task"),
    ] {
        let stored = rt.block_on(store.get(tenant, id)).unwrap();
        assert_eq!(
            (stored.title.as_str(), stored.version),
            (title, 1),
            "{tenant}"
        );
    }
}

#[test]
fn your_own_task_with_edit_anyone_s_with_manage() {
    let (gateway, _env) = start(&[]);
    let tasks = gateway.url("HttpApi", "/tasks");
    let author = org_token(ALICE, ORG_A, EDIT);
    let colleague = org_token(BOB, ORG_A, EDIT);
    let viewer = org_token(CAROL, ORG_A, VIEW);
    let manager = org_token(DAVE, ORG_A, MANAGE);

    let created = send(
        "POST",
        &tasks,
        &author,
        Some(json!({ "title": "Write the runbook" })),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let created = created.json();
    assert_eq!(created["created_by"], ALICE);
    assert_eq!(created["version"], 1);
    let url = format!("{tasks}/{}", created["id"].as_str().unwrap());

    // A colleague with org:tasks:edit sees it but may not edit it.
    assert_eq!(send("GET", &url, &colleague, None).status, 200);
    let refused = send("PATCH", &url, &colleague, Some(json!({ "done": true })));
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.json()["error"], "forbidden");
    // Without org:tasks:edit the route itself is refused, by the authorizer.
    assert_eq!(
        send("PATCH", &url, &viewer, Some(json!({ "done": true }))).status,
        403
    );
    // A manager edits anyone's task; the author edits their own.
    let managed = send("PATCH", &url, &manager, Some(json!({ "done": true })));
    assert_eq!(managed.status, 200, "{}", managed.body);
    assert_eq!(
        (
            managed.json()["done"].clone(),
            managed.json()["version"].clone()
        ),
        (json!(true), json!(2))
    );
    let own = send(
        "PATCH",
        &url,
        &author,
        Some(json!({ "title": "Write the runbook (v2)" })),
    );
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.json()["title"], "Write the runbook (v2)");
    assert_eq!(own.json()["done"], true, "the manager's edit is kept");
    assert_eq!(
        own.json()["created_by"],
        ALICE,
        "an edit never changes the owner"
    );

    // Deleting needs org:tasks:manage.
    assert_eq!(send("DELETE", &url, &author, None).status, 403);
    let deleted = send("DELETE", &url, &manager, None);
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(send("GET", &url, &author, None).status, 404);
    assert_eq!(send("DELETE", &url, &manager, None).status, 404);

    // A personal account edits its own tasks.
    let personal = personal_token(CAROL);
    let mine = send(
        "POST",
        &gateway.url("RestApi", "/tasks"),
        &personal,
        Some(json!({ "title": "Mine" })),
    )
    .json();
    let mine_url = gateway.url(
        "RestApi",
        &format!("/tasks/{}", mine["id"].as_str().unwrap()),
    );
    assert_eq!(
        send("PATCH", &mine_url, &personal, Some(json!({ "done": true }))).status,
        200
    );
}

#[test]
fn two_edits_from_the_same_version_one_wins_and_one_gets_409() {
    let (gateway, _env) = start(&[]);
    let author = org_token(ALICE, ORG_A, EDIT);
    let manager = org_token(DAVE, ORG_A, MANAGE);
    let created = send(
        "POST",
        &gateway.url("HttpApi", "/tasks"),
        &author,
        Some(json!({ "title": "Plan" })),
    )
    .json();
    assert_eq!(created["version"], 1);
    let id = created["id"].as_str().unwrap().to_string();

    // Both read version 1, then edit at the same time, through both APIs.
    let edits = [
        (
            gateway.url("RestApi", &format!("/tasks/{id}")),
            author.clone(),
            json!({ "title": "Plan A", "version": 1 }),
        ),
        (
            gateway.url("HttpApi", &format!("/tasks/{id}")),
            manager.clone(),
            json!({ "title": "Plan B", "version": 1 }),
        ),
    ];
    let answers: Vec<Answer> = std::thread::scope(|scope| {
        let handles: Vec<_> = edits
            .iter()
            .map(|(url, token, body)| {
                scope.spawn(move || send("PATCH", url, token, Some(body.clone())))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409],
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let winner = answers.iter().find(|a| a.status == 200).unwrap().json();
    let loser = answers.iter().find(|a| a.status == 409).unwrap().json();
    assert_eq!(loser["error"], "conflict");
    assert_eq!(winner["version"], 2);

    // The winner's edit is what is stored; the loser reads again and retries.
    let url = gateway.url("HttpApi", &format!("/tasks/{id}"));
    let stored = send("GET", &url, &author, None).json();
    assert_eq!(
        (stored["title"].clone(), stored["version"].clone()),
        (winner["title"].clone(), json!(2))
    );
    let retry = send(
        "PATCH",
        &url,
        &manager,
        Some(json!({ "done": true, "version": 2 })),
    );
    assert_eq!(retry.status, 200, "{}", retry.body);
    assert_eq!(
        (
            retry.json()["title"].clone(),
            retry.json()["version"].clone()
        ),
        (winner["title"].clone(), json!(3))
    );
}

#[test]
fn lists_come_in_pages_oldest_first() {
    let (gateway, _env) = start(&[]);
    let me = personal_token(CAROL);
    let tasks = gateway.url("HttpApi", "/tasks");
    let mut ids = Vec::new();
    for n in 1..=5 {
        let created = send(
            "POST",
            &tasks,
            &me,
            Some(json!({ "title": format!("Task {n}") })),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        ids.push(created.json()["id"].as_str().unwrap().to_string());
        // UUIDv7 orders by millisecond: one apart keeps the order exact.
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut url = format!("{tasks}?limit=2");
    loop {
        let page = send("GET", &url, &me, None);
        assert_eq!(page.status, 200, "{}", page.body);
        let page = page.json();
        let titles: Vec<String> = page["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect();
        seen.extend(
            page["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_string()),
        );
        pages.push(titles);
        match page["next"].as_str() {
            Some(next) => url = format!("{tasks}?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["Task 1", "Task 2"],
            vec!["Task 3", "Task 4"],
            vec!["Task 5"]
        ]
    );
    assert_eq!(seen, ids);
    // The default page holds them all; another tenant's list is empty, whatever its cursor.
    let all = send("GET", &tasks, &me, None).json();
    assert_eq!(
        (all["tasks"].as_array().unwrap().len(), all["next"].clone()),
        (5, Value::Null)
    );
    let other = org_token(ALICE, ORG_A, VIEW);
    let theirs = send("GET", &format!("{tasks}?cursor={}", ids[0]), &other, None).json();
    assert_eq!(theirs["tasks"], json!([]));
    assert_eq!(
        send("GET", &format!("{tasks}?limit=0"), &me, None).status,
        400
    );
}

#[test]
fn a_missing_or_unreachable_table_is_a_500_with_the_reason_in_the_log() {
    let server = dynamodb::LocalServer::start(&workspace())
        .expect("moto_server starts (scripts/setup installs it)");
    let (gateway, _env) = start(&["--dynamodb-endpoint", &server.endpoint]);
    let me = personal_token(CAROL);
    let tasks = gateway.url("RestApi", "/tasks");
    assert_eq!(
        send("POST", &tasks, &me, Some(json!({ "title": "Before" }))).status,
        201
    );

    // The table goes away.
    runtime()
        .block_on(
            dynamodb::client(&server.endpoint, "us-east-1")
                .delete_table()
                .table_name("TasksTable")
                .send(),
        )
        .unwrap();
    let answer = send("GET", &tasks, &me, None);
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert_eq!(answer.json()["error"], "internal");
    assert!(
        !answer.body.contains("ResourceNotFound"),
        "the reason is logged, not answered"
    );
    let failure = gateway.wait_for_lines("the tasks table failed", 1)[0].clone();
    assert!(
        failure.contains("ResourceNotFoundException") && failure.contains("TasksTable"),
        "{failure}"
    );

    // The server goes away.
    drop(server);
    let answer = send("POST", &tasks, &me, Some(json!({ "title": "After" })));
    assert_eq!(answer.status, 500, "{}", answer.body);
    let failures = gateway.wait_for_lines("the tasks table failed", 2);
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[1].contains("dispatch failure") || failures[1].contains("onnect"),
        "{}",
        failures[1]
    );
    // No panic, no crash: the same process answered throughout.
    let log = gateway.output();
    assert!(
        !log.contains("panicked") && !log.contains("TasksFunction: the process exited"),
        "{log}"
    );
    assert!(alive(gateway.pids["TasksFunction"]));
}
