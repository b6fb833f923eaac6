"""Drives `cargo lambda watch` + `cargo lambda invoke` over the sample events, then runs the
whole API on `local-gateway` and calls it with curl.

The expected answers come from the same table the tests use (`mint expected`), so the demo,
the README and the tests cannot drift apart. Run through scripts/demo, which sets up PATH.
"""

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "target" / "demo"
# Where `cargo build` (debug profile) puts the binaries the demo runs.
BIN_DIR = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")).resolve() / "debug"
PORT = 9000


def run(*args, **kwargs):
    return subprocess.run(args, cwd=ROOT, text=True, capture_output=True, **kwargs)


def step(text):
    print(f"\n== demo: {text}", flush=True)


def cargo_build():
    """Builds the workspace's default members in the foreground, so cargo's own progress
    shows: no silent minute."""
    if subprocess.run(["cargo", "build"], cwd=ROOT).returncode != 0:
        sys.exit("demo: cargo build failed; its errors are above")


def mint(*args):
    # The binary main() built: `cargo run -p tests` would unify features differently and
    # rebuild shared crates.
    result = run(str(BIN_DIR / "mint"), *args)
    if result.returncode != 0:
        sys.exit(f"demo: mint {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def port_open():
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", PORT)) == 0


class Watcher:
    """`cargo lambda watch` in its own process group, stopped by its PID on exit."""

    def __init__(self, env_file, log_path):
        if port_open():
            sys.exit(f"demo: port {PORT} is busy; stop the other `cargo lambda watch` first")
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            ["cargo", "lambda", "watch", "--env-file", str(env_file)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.time() + 120
        while not port_open():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                sys.exit(f"demo: cargo lambda watch did not start; see {log_path}")
            time.sleep(0.2)

    def decisions(self):
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("message") == "authorizer decision":
                lines.append(record)
        return lines

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def invoke(function, path):
    result = run("cargo", "lambda", "invoke", function, "--data-file", str(path))
    if result.returncode == 0:
        return json.loads(result.stdout), None
    error = "Unauthorized" if "Unauthorized" in result.stderr else result.stderr.strip()
    return None, error


def answer_of(response, error, decision):
    """What API Gateway does for the requested route, as the status a client sees."""
    if error == "Unauthorized":
        return "Unauthorized", 401
    if error:
        return "ERROR", 500
    verdict = decision.get("decision") if decision else None
    if verdict == "allow":
        return "Allow", 200
    if verdict == "deny":
        return "Deny", 403
    return "Unauthorized", 403  # HTTP APIs: isAuthorized false / Deny for a bad token


def context_summary(response):
    """The context keys the API receives, beyond sub and sid; nested metadata shows as key*."""
    context = (response or {}).get("context") or {}
    keys = [k + ("*" if isinstance(v, str) and v[:1] in "[{" else "")
            for k, v in context.items() if k not in ("sub", "sid")]
    text = ", ".join(keys) or "-"
    return text if len(text) <= 48 else text[:47] + "…"


def authorizer_table(watcher):
    rows, failures = [], 0
    for line in mint("expected").splitlines():
        file, expected, reason = line.split("\t")
        before = len(watcher.decisions())
        response, error = invoke("authorizer", ROOT / "events" / "authorizer" / file)
        decision = None
        for _ in range(50):
            decisions = watcher.decisions()
            if len(decisions) > before:
                decision = decisions[-1]
                break
            time.sleep(0.05)
        answer, status = answer_of(response, error, decision)
        got_reason = decision.get("reason", "?") if decision else "?"
        ok = answer == expected and got_reason == reason
        failures += not ok
        rows.append((file, f"{answer} ({status})", got_reason, context_summary(response),
                     "ok" if ok else f"MISMATCH: want {expected}/{reason}"))
    print_table(("event (events/authorizer/)", "answer (HTTP)", "reason", "context (* = flattened to a JSON string)", "check"), rows)
    return len(rows), failures


def handler_table():
    """The sample API handlers' events, if the api-handlers crate is present."""
    manifest = ROOT / "events" / "api" / "expected.tsv"
    if not manifest.exists():
        return 0, 0
    rows, failures = [], 0
    for line in manifest.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        file, function, status = line.split("\t")
        response, error = invoke(function, ROOT / "events" / "api" / file)
        got = response.get("statusCode") if response else error
        body = (response or {}).get("body") or ""
        ok = str(got) == status
        failures += not ok
        rows.append((file, function, str(got), body[:60], "ok" if ok else f"MISMATCH: want {status}"))
    print()
    print_table(("event (events/api/)", "function", "status", "body", "check"), rows)
    return len(rows), failures


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


GATEWAY_PORT = 3001

# (API, method, path, admin, member, no token, expired): the statuses API Gateway answers.
# The admin and the member are personal accounts: each is its own tenant of the tasks table.
MISSING_TASK = "/tasks/0192f0c1-7e5a-7cc3-9b1e-000000000000"
GATEWAY_CALLS = [
    ("REST", "GET", "/prod/health", 200, 200, 200, 200),
    ("REST", "GET", "/prod/me", 200, 200, 401, 401),
    ("REST", "GET", "/prod/tasks", 200, 200, 401, 401),
    ("REST", "DELETE", "/prod" + MISSING_TASK, 404, 403, 401, 401),
    ("HTTP", "GET", "/me", 200, 200, 401, 403),
    ("HTTP", "POST", "/tasks", 201, 201, 401, 403),
    ("HTTP", "DELETE", MISSING_TASK, 404, 403, 401, 403),
]

# Machine callers, an impersonated session and the app's own session cookie, beside the users:
# (API, method, path, caller, how the token travels, status).
OTHER_CALLS = [
    ("HTTP", "POST", "/tasks", "worker (M2M)", "header", 201),
    ("HTTP", "GET", "/tasks", "worker (M2M)", "header", 200),
    ("REST", "DELETE", "/prod" + MISSING_TASK, "worker (M2M)", "header", 403),
    ("REST", "GET", "/prod/tasks", "M2M token for another machine", "header", 401),
    ("HTTP", "GET", "/tasks", "OAuth app, tasks:read", "header", 200),
    ("HTTP", "POST", "/tasks", "OAuth app, tasks:read", "header", 403),
    ("REST", "GET", "/prod/me", "OAuth app, tasks:read", "cookie", 401),
    ("REST", "GET", "/prod/me", "member", "suffixed cookie", 200),
    ("REST", "GET", "/prod/tasks", "admin impersonated by support", "header", 200),
    ("REST", "DELETE", "/prod" + MISSING_TASK, "admin impersonated by support", "header", 403),
]

ORG = "org_2demo00000000000000000001"
# The tasks table's story, on the HTTP API: (step, caller, method, path, body, status). `{id}`
# is the task the first step creates, `{version}` its version then.
TASKS_STORY = [
    ("an editor creates a task in the organisation", "editor", "POST", "/tasks", {"title": "Ship the tasks table"}, 201),
    ("the editor reads it back", "editor", "GET", "/tasks/{id}", None, 200),
    ("the editor edits it at version 1", "editor", "PATCH", "/tasks/{id}", {"title": "Ship it today", "version": 1}, 200),
    ("a manager edits from the stale version 1", "manager", "PATCH", "/tasks/{id}", {"done": True, "version": 1}, 409),
    ("the manager reads again and edits at version 2", "manager", "PATCH", "/tasks/{id}", {"done": True, "version": 2}, 200),
    ("a second editor may not edit another's task", "editor2", "PATCH", "/tasks/{id}", {"title": "Mine now"}, 403),
    ("another organisation cannot see it (404, as for a missing one)", "outsider", "GET", "/tasks/{id}", None, 404),
    ("the editor's personal account cannot see it either", "member", "GET", "/tasks/{id}", None, 404),
    ("the organisation's list, one per page", "editor", "GET", "/tasks?limit=1", None, 200),
    ("the editor may not delete", "editor", "DELETE", "/tasks/{id}", None, 403),
    ("the manager deletes it", "manager", "DELETE", "/tasks/{id}", None, 200),
    ("and it is gone", "editor", "GET", "/tasks/{id}", None, 404),
]


def tasks_story(base, tokens):
    """Walks TASKS_STORY with curl; returns (rows, failures)."""
    rows, failures, task_id = [], 0, None
    for text, who, method, path, body, want in TASKS_STORY:
        path = path.replace("{id}", task_id or "missing")
        command = ["curl", "-s", "-w", "\n%{http_code}", "-X", method, "-H", f"Authorization: Bearer {tokens[who]}"]
        if body is not None:
            command += ["-H", "Content-Type: application/json", "--data", json.dumps(body)]
        output = run(*command, base + path).stdout
        answer, _, got = output.rpartition("\n")
        if method == "POST" and got == "201":
            task_id = json.loads(answer)["id"]
        ok = got == str(want)
        failures += not ok
        shown = method + " " + path.replace(task_id or "~", "{id}")
        rows.append((text, who, shown, got, "ok" if ok else f"MISMATCH: want {want}: {answer[:80]}"))
    return rows, failures


def start_gateway(env_file, log_path, port, *extra):
    """Starts local-gateway on template.yaml (the binaries built above); returns the process,
    its log and the two APIs' base URLs."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"demo: port {port} is busy; stop the other local-gateway first")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [str(BIN_DIR / "local-gateway"), "--no-build", "--bin-dir", str(BIN_DIR),
         "--env-file", str(env_file), "--port", str(port), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
    )
    bases = {}
    for line in proc.stdout:
        if " at http://" in line and ("(REST API" in line or "(HTTP API" in line):
            base = line.split(" at ")[1].strip().rsplit("/prod", 1)[0]
            bases["REST" if "(REST API" in line else "HTTP"] = base
            bases[line.split()[1]] = base  # by the API's logical id too
        if "local-gateway: ready" in line:
            break
    else:
        log.close()
        sys.exit(f"demo: local-gateway did not start; see {log_path.relative_to(ROOT)}")
    return proc, log, bases


def show(rows, first_column, log_path):
    """Prints a table of checked calls (call, caller, status, check) and where the log is."""
    print()
    print_table((first_column, "caller", "status", "check"), rows)
    print(f"\ndemo: local-gateway stopped; its log is {log_path.relative_to(ROOT)}")


def stop_gateway(proc, log):
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


# Clerk over the network (docs/clerk-api.md): API keys verified by the local Clerk API, the
# secret key in moto's Secrets Manager, the signing keys from the local JWKS (--clerk-jwks).
NETWORK_CALLS = [
    ("REST", "GET", "/prod/tasks", "organisation's API key (CI pipeline)", "ak_devonly0org0ci0pipeline00000000001", 200),
    ("REST", "POST", "/prod/tasks", "organisation's API key (CI pipeline)", "ak_devonly0org0ci0pipeline00000000001", 201),
    ("HTTP", "GET", "/tasks", "user's read-only API key", "ak_devonly0editor0script00000000000001", 200),
    ("HTTP", "POST", "/tasks", "user's read-only API key", "ak_devonly0editor0script00000000000001", 403),
    ("REST", "GET", "/prod/tasks", "revoked API key", "ak_devonly0revoked0000000000000000001", 401),
    ("REST", "GET", "/prod/tasks", "unknown API key", "ak_neverissued000000000000000000000001", 401),
    ("HTTP", "GET", "/tasks", "opaque OAuth token (oat_)", "oat_devonly0sampleapp0opaque000000001", 200),
    ("REST", "GET", "/prod/tasks", "member's session (keys from the JWKS)", "member", 200),
]


def curl_row(base, api, method, path, header, title, who, want):
    """One checked call: curl's status for METHOD base+path with an optional header (and a JSON
    task for a POST), as a table row; the second value is 1 when it differs from `want`."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method]
    if header:
        command += ["-H", header]
    if method == "POST":
        command += ["-H", "Content-Type: application/json", "--data", json.dumps({"title": title})]
    got = run(*command, base + path).stdout.strip()
    ok = got == str(want)
    return (f"{api} {method} {path}", who, got, "ok" if ok else f"MISMATCH: want {want}"), int(not ok)


def network_table():
    """local-gateway with Clerk over the network: API keys and JWKS mode."""
    env_file = TARGET / "api-keys.env"
    env_file.write_text(mint("env", "--api-keys"))
    step("local-gateway with Clerk over the network: the local Clerk API, the secret in moto's Secrets Manager, keys from the JWKS")
    log_path = TARGET / "gateway-network.log"
    proc, log, bases = start_gateway(env_file, log_path, GATEWAY_PORT + 10, "--clerk-jwks")
    member = mint("token", "--role", "member", "--lifetime", "600").strip()
    rows, failures = [], 0
    try:
        for api, method, path, who, credential, want in NETWORK_CALLS:
            credential = member if credential == "member" else credential
            row, failed = curl_row(bases[api], api, method, path, f"Authorization: Bearer {credential}",
                                   "From CI", who, want)
            rows.append(row)
            failures += failed
    finally:
        stop_gateway(proc, log)
    show(rows, "local-gateway call (curl)", log_path)
    return len(rows), failures


def deliver(base, kind, tenant, *extra):
    """POSTs Clerk's event `kind` for `tenant`, signed as Svix signs it (mint webhook), to the
    sample's webhook route; returns curl's status."""
    delivery = mint("webhook", kind, "--org", tenant, *extra)
    head, body = delivery.split("\n\n", 1)
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
               "-H", "Content-Type: application/json", "--data", body.strip()]
    for header in head.splitlines():
        command += ["-H", header]
    return run(*command, base + "/prod/webhooks/clerk").stdout.strip()


def metering_table(env_file):
    """The sample with Metering=true: tenants' API keys kept by the provisioner from Clerk's
    webhooks, a Default tenant (3 requests a day here) out of quota while a Pro one goes on,
    then upgraded."""
    step("local-gateway with Metering=true: usage plans per Clerk Billing plan, keys from Clerk's webhooks")
    log_path = TARGET / "gateway-metering.log"
    proc, log, bases = start_gateway(env_file, log_path, GATEWAY_PORT + 20, "--parameter-overrides",
                                     "Metering=true", "DefaultPlanQuotaLimit=3")
    default_org, pro_org = "org_2demofree0000000000000001", "org_2demopro00000000000000001"
    token = {org: mint("token", "--sub", "user_2editor000000000000000001", "--org", org,
                       "--permissions", "org:tasks:view,org:tasks:edit", "--lifetime", "600").strip()
             for org in (default_org, pro_org)}
    base = bases["MeteredApi"]
    rows, failures = [], 0

    def status(org):
        command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                   "-H", f"Authorization: Bearer {token[org]}", base + "/prod/tasks"]
        return run(*command).stdout.strip()

    def until(org, want):
        # local-gateway reads keys back from moto's API Gateway every 250 ms; refused calls
        # (403, 429) count against no quota, so waiting this way uses none.
        deadline = time.time() + 5
        got = status(org)
        while got != want and time.time() < deadline:
            time.sleep(0.1)
            got = status(org)
        return got

    def row(step_text, who, got, want):
        nonlocal failures
        ok = got == str(want)
        failures += not ok
        rows.append((step_text, who, got, "ok" if ok else f"MISMATCH: want {want}"))

    at = int(time.time() * 1000)
    try:
        row("GET /tasks before any webhook", "Default tenant", status(default_org), 403)
        row("webhook organization.created", "Default tenant", deliver(base, "organization.created", default_org, "--at", str(at)), 200)
        row("webhook organization.created", "Pro tenant", deliver(base, "organization.created", pro_org, "--at", str(at)), 200)
        row("webhook subscriptionItem.active (pro)", "Pro tenant",
            deliver(base, "subscriptionItem.active", pro_org, "--plan", "pro", "--at", str(at + 1)), 200)
        row("GET /tasks (1 of 3 a day)", "Default tenant", until(default_org, "200"), 200)
        row("GET /tasks (2 of 3)", "Default tenant", status(default_org), 200)
        row("GET /tasks (3 of 3)", "Default tenant", status(default_org), 200)
        row("GET /tasks past the quota", "Default tenant", status(default_org), 429)
        row("GET /tasks", "Pro tenant", until(pro_org, "200"), 200)
        row("webhook subscriptionItem.active (pro): upgrade", "Default tenant",
            deliver(base, "subscriptionItem.active", default_org, "--plan", "pro", "--at", str(at + 2)), 200)
        row("GET /tasks on the Pro plan", "Default tenant", until(default_org, "200"), 200)
    finally:
        stop_gateway(proc, log)
    show(rows, "metered API (MeteredApi)", log_path)
    return len(rows), failures


def gateway_table(env_file):
    """Starts local-gateway on template.yaml with the DEV-ONLY key; curls both APIs."""
    log_path = TARGET / "gateway.log"
    step("starting local-gateway with the DEV-ONLY key (the binaries built above); curl on both APIs")
    proc, log, bases = start_gateway(env_file, log_path, GATEWAY_PORT)
    tokens = {
        "admin": mint("token", "--role", "admin", "--lifetime", "600").strip(),
        "member": mint("token", "--role", "member", "--lifetime", "600").strip(),
        "no token": None,
        "expired": mint("token", "--role", "admin", "--lifetime", "-60").strip(),
    }
    def org_token(sub, org, permissions):
        return mint("token", "--sub", sub, "--org", org, "--permissions", permissions, "--lifetime", "600").strip()

    story_tokens = {
        "editor": org_token("user_2editor000000000000000001", ORG, "org:tasks:view,org:tasks:edit"),
        "editor2": org_token("user_2editor000000000000000002", ORG, "org:tasks:view,org:tasks:edit"),
        "manager": org_token("user_2manager00000000000000001", ORG, "org:tasks:view,org:tasks:edit,org:tasks:manage"),
        "outsider": org_token("user_2outsider0000000000000001", "org_2other0000000000000000001", "org:tasks:view,org:tasks:edit,org:tasks:manage"),
        "member": mint("token", "--sub", "user_2editor000000000000000001", "--role", "member", "--lifetime", "600").strip(),
    }
    other_tokens = {
        "worker (M2M)": mint("token", "--m2m", "--lifetime", "600").strip(),
        "M2M token for another machine": mint("token", "--m2m", "--targets", "mch_2billing0000000000000000001", "--lifetime", "600").strip(),
        "OAuth app, tasks:read": mint("token", "--oauth", "--scope", "tasks:read", "--lifetime", "600").strip(),
        "member": tokens["member"],
        "admin impersonated by support": mint("token", "--role", "admin", "--act", "user_2support00000000000000001", "--lifetime", "600").strip(),
    }
    # Clerk's name for the app's own session cookie: base64url(SHA-1(publishable key))[:8].
    publishable_key = next(line.split("=", 1)[1].strip("'") for line in mint("env").splitlines()
                           if line.startswith("CLERK_PUBLISHABLE_KEY="))
    digest = hashlib.sha1(publishable_key.encode()).digest()
    suffixed_cookie = "__session_" + base64.urlsafe_b64encode(digest).decode()[:8]
    rows, failures = [], 0
    story, story_failures = [], 0
    try:
        story, story_failures = tasks_story(bases["HTTP"], story_tokens)
        for api, method, path, *wanted in GATEWAY_CALLS:
            for (who, token), want in zip(tokens.items(), wanted):
                header = f"Authorization: Bearer {token}" if token else None
                row, failed = curl_row(bases[api], api, method, path, header, "From the demo", who, want)
                rows.append(row)
                failures += failed
        for api, method, path, who, via, want in OTHER_CALLS:
            token = other_tokens[who]
            header = {"header": f"Authorization: Bearer {token}", "cookie": f"Cookie: __session={token}",
                      "suffixed cookie": f"Cookie: __session=stale; {suffixed_cookie}={token}"}[via]
            row, failed = curl_row(bases[api], api, method, path, header, "From a machine", f"{who} ({via})", want)
            rows.append(row)
            failures += failed
    finally:
        stop_gateway(proc, log)
    print()
    print_table(("local-gateway call (curl)", "caller", "status", "check"), rows)
    print("\nThe tasks table (moto_server, started by local-gateway), on the HTTP API:\n")
    print_table(("step", "caller", "request", "status", "check"), story)
    print(f"\ndemo: local-gateway stopped (Ctrl-C); its log is {log_path.relative_to(ROOT)}")
    return len(rows) + len(story), failures + story_failures


def main():
    TARGET.mkdir(parents=True, exist_ok=True)
    step("building the authorizer, the handlers, the minter and local-gateway (one cargo build)")
    # Everything the demo runs, in one profile and one cargo invocation: the workspace's default
    # members, which is also what `cargo lambda watch` selects, so no crate is built twice.
    cargo_build()
    env_file = TARGET / "dev.env"
    env_file.write_text(mint("env"))
    step("starting cargo lambda watch with the DEV-ONLY key (its log: target/demo/watch.log)")
    watcher = Watcher(env_file, TARGET / "watch.log")
    step("every sample event through cargo lambda invoke")
    try:
        total, failures = authorizer_table(watcher)
        more, more_failures = handler_table()
        total, failures = total + more, failures + more_failures
    finally:
        watcher.stop()
    print(f"\ndemo: watcher stopped; its log is {watcher.log_path.relative_to(ROOT)}")
    more, more_failures = gateway_table(env_file)
    total, failures = total + more, failures + more_failures
    more, more_failures = network_table()
    total, failures = total + more, failures + more_failures
    more, more_failures = metering_table(env_file)
    total, failures = total + more, failures + more_failures
    print(f"\ndemo: {total - failures} of {total} answers as expected")
    if failures:
        print(f"demo: {failures} answer(s) differ from the documented ones", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
