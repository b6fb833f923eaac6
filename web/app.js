// A front end calling the API cross-origin with a session token, as a Clerk app does:
//   fetch(url, { headers: { Authorization: `Bearer ${await Clerk.session.getToken()}` } })
// No build step, no framework. 401 and 403 are told apart from a network (or CORS) failure.

const params = new URLSearchParams(location.search);
const apiInput = document.getElementById("api");
const tokenInput = document.getElementById("token");
apiInput.value = params.get("api") || "http://127.0.0.1:3001/prod";

// With ClerkJS loaded and signed in, use its token instead of the pasted one:
//   async function getToken() { return await window.Clerk.session.getToken(); }
async function getToken() {
  return tokenInput.value.trim();
}

function show(kind, text) {
  const status = document.getElementById("status");
  status.className = "status " + kind;
  status.dataset.kind = kind;
  status.textContent = text;
}

/// Calls the API; resolves to {status, body} or throws on a network or CORS failure.
async function call(method, path, body) {
  const token = await getToken();
  // Signed out: no Authorization header at all (API Gateway then answers 401 itself).
  const headers = token ? { Authorization: "Bearer " + token } : {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(apiInput.value.replace(/\/$/, "") + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer = null;
  try { answer = await response.json(); } catch (_) { /* an empty or non-JSON body */ }
  return { status: response.status, body: answer };
}

/// What each status means for the app.
function explain(method, path, result) {
  if (result.status === 401) {
    show("unauthorized", `401 on ${method} ${path}: the session token is missing, expired or invalid. Get a fresh token or sign in again.`);
  } else if (result.status === 403) {
    show("forbidden", `403 on ${method} ${path}: you are signed in, but not allowed to do this.`);
  } else if (result.status === 409) {
    show("conflict", `409 on ${method} ${path}: someone changed it first. Reload, then try again.`);
  } else if (result.status >= 200 && result.status < 300) {
    show("ok", `${result.status} on ${method} ${path}: done.`);
  } else {
    show("error", `${result.status} on ${method} ${path}: ${JSON.stringify(result.body)}`);
  }
}

async function run(method, path, onOk, body) {
  let result;
  try {
    result = await call(method, path, body);
  } catch (error) {
    // fetch rejects when the network is down *or* when CORS refuses the answer: the page
    // cannot read either; that is why API Gateway's own 401/403 must carry CORS headers.
    show("network", `Network or CORS error on ${method} ${path}: ${error.message}`);
    return false;
  }
  explain(method, path, result);
  if (result.status >= 200 && result.status < 300 && onOk) onOk(result.body);
  return result.status >= 200 && result.status < 300;
}

/// The caller's tenant's tasks (the organisation's, or their own), first page.
async function loadTasks() {
  return run("GET", "/tasks?limit=20", (body) => {
    const list = document.getElementById("tasks");
    list.replaceChildren(...body.tasks.map((task) => {
      const item = document.createElement("li");
      item.dataset.id = task.id;
      item.textContent = `${task.title}${task.done ? " (done)" : ""} (by ${task.created_by}, v${task.version})`;
      return item;
    }));
  });
}

document.getElementById("load").addEventListener("click", async () => {
  const ok = await run("GET", "/me", (me) => {
    document.getElementById("me").textContent = JSON.stringify(me, null, 2);
  });
  if (ok) await loadTasks();
});

document.getElementById("add").addEventListener("click", async () => {
  const title = document.getElementById("title").value;
  if (await run("POST", "/tasks", null, { title })) await loadTasks();
});

document.getElementById("delete").addEventListener("click", async () => {
  const first = document.querySelector("#tasks li");
  if (!first) return show("error", "No task to delete: load the tasks, or add one.");
  const path = "/tasks/" + first.dataset.id;
  // A refused delete is shown as it is; the list is reloaded only after a success.
  if (await run("DELETE", path)) await loadTasks();
});
