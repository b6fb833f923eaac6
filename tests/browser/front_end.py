"""The sample front end (web/) in headless Chromium against local-gateway, cross-origin as in
production: the preflight succeeds, an admin's add and delete succeed on the tasks table, a member gets a 403 the page can
read, an expired token a 401 the page can read (not a CORS error), and a page on an origin that is
not allowed is refused by the browser itself. Screenshots go to target/browser/.

Debian's chromium and chromium-driver (scripts/setup --browser installs them), driven over
WebDriver by selenium. Run through scripts/test, which sets up PATH."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "target" / "browser"
GATEWAY_PORT = 3101          # REST on 3101, HTTP API on 3102
PAGE = "http://localhost:3000"        # the allowed origin (AllowedOrigins' default)
OTHER_PAGE = "http://localhost:3003"  # an origin that is not allowed
REST = f"http://127.0.0.1:{GATEWAY_PORT}/prod"
HTTP = f"http://127.0.0.1:{GATEWAY_PORT + 1}"

passed, failed = 0, 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"browser: ok: {name}")
    else:
        failed += 1
        print(f"browser: FAILED: {name} {detail}")


def mint(*args):
    out = subprocess.run(["cargo", "mint", *args],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def wait_port(port, proc, what):
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"browser: {what} exited early")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    sys.exit(f"browser: {what} did not listen on {port}")


def start(command, log, **kwargs):
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, **kwargs)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1000,900", f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path="/usr/bin/chromedriver"))


def status_after(driver, button, token, previous=None):
    """Sets the token, clicks, waits for the status line to change; returns (kind, text)."""
    driver.execute_script("document.getElementById('token').value = arguments[0];"
                          "document.getElementById('status').dataset.kind = 'waiting';", token)
    driver.find_element(By.ID, button).click()
    WebDriverWait(driver, 20).until(
        lambda d: d.find_element(By.ID, "status").get_attribute("data-kind") not in ("waiting",))
    # "Load" makes two calls; wait until the second one has been shown too.
    time.sleep(0.3)
    status = driver.find_element(By.ID, "status")
    return status.get_attribute("data-kind"), status.text


def main():
    SHOTS.mkdir(parents=True, exist_ok=True)
    env_file = ROOT / "target" / "browser" / "dev.env"
    env_file.write_text(mint("env"))
    log = open(SHOTS / "gateway.log", "w")
    gateway = start(["cargo", "gateway", "--env-file", str(env_file),
                     "--port", str(GATEWAY_PORT)], log)
    page_log = open(SHOTS / "pages.log", "w")
    pages = [start([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                    "--directory", "web"], page_log) for port in (3000, 3003)]
    driver = None
    try:
        wait_port(GATEWAY_PORT + 1, gateway, "local-gateway")
        for port, page in zip((3000, 3003), pages):
            wait_port(port, page, f"the page server on {port}")
        # Two personal accounts: each is its own tenant of the tasks table.
        admin = mint("token", "--sub", "user_2admin0000000000000000001", "--role", "admin", "--lifetime", "600")
        member = mint("token", "--sub", "user_2member000000000000000001", "--role", "member", "--lifetime", "600")
        expired = mint("token", "--role", "admin", "--lifetime", "-60")
        driver = browser()

        driver.get(f"{PAGE}/?api={REST}")
        kind, text = status_after(driver, "load", admin)
        me = driver.find_element(By.ID, "me").text
        check("REST: the page reads /me and the tasks cross-origin (the preflight succeeded)",
              kind == "ok" and '"role": "admin"' in me, f"{kind}: {text} / {me}")
        driver.save_screenshot(str(SHOTS / "front-end-admin.png"))
        gateway_log = (SHOTS / "gateway.log").read_text()
        check("REST: the browser sent a preflight and it was answered 200 without the authorizer",
              "OPTIONS /prod/me route=OPTIONS /me authorizer=none status=200" in gateway_log,
              "\n".join(l for l in gateway_log.splitlines() if "OPTIONS" in l))

        kind, text = status_after(driver, "add", admin)
        tasks = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#tasks li")]
        check("REST: an admin adds a task (a JSON POST passes the preflight) and it is listed",
              kind == "ok" and len(tasks) == 1 and "From the browser" in tasks[0], f"{kind}: {text} / {tasks}")

        kind, text = status_after(driver, "delete", admin)
        tasks = driver.find_elements(By.CSS_SELECTOR, "#tasks li")
        check("REST: an admin's delete succeeds and the task is gone",
              kind == "ok" and "200" in text and not tasks, f"{kind}: {text}")

        kind, text = status_after(driver, "load", member)
        kind, text = status_after(driver, "add", member)
        tasks = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#tasks li")]
        check("REST: a member sees only their own tasks, not the admin's",
              kind == "ok" and len(tasks) == 1 and "user_2member" in tasks[0], f"{kind}: {text} / {tasks}")
        kind, text = status_after(driver, "delete", member)
        check("REST: a member's delete is a 403 the page can read", kind == "forbidden" and "403" in text, f"{kind}: {text}")
        driver.save_screenshot(str(SHOTS / "front-end-403.png"))

        kind, text = status_after(driver, "load", expired)
        check("REST: an expired token is a 401 the page can read, not a CORS error",
              kind == "unauthorized" and "401" in text, f"{kind}: {text}")
        driver.save_screenshot(str(SHOTS / "front-end-401.png"))

        driver.get(f"{PAGE}/?api={HTTP}")
        kind, text = status_after(driver, "load", member)
        tasks = driver.find_elements(By.CSS_SELECTOR, "#tasks li")
        check("HTTP API: the page reads /me and the same tasks cross-origin", kind == "ok" and len(tasks) == 1,
              f"{kind}: {text}")
        kind, text = status_after(driver, "delete", member)
        check("HTTP API: a member's delete is a 403 the page can read", kind == "forbidden", f"{kind}: {text}")
        kind, text = status_after(driver, "load", "")
        check("HTTP API: no token is a 401 the page can read", kind == "unauthorized", f"{kind}: {text}")

        driver.get(f"{OTHER_PAGE}/?api={REST}")
        kind, text = status_after(driver, "load", admin)
        check("a page on an origin that is not allowed is refused by the browser itself",
              kind == "network", f"{kind}: {text}")
        driver.save_screenshot(str(SHOTS / "front-end-other-origin.png"))
    finally:
        if driver:
            driver.quit()
        for proc in [gateway, *pages]:
            stop(proc)
        log.close()
        page_log.close()
    print(f"browser: screenshots in {SHOTS.relative_to(ROOT)}")
    print(f"browser: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
