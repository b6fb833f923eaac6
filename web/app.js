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
async function call(method, path) {
  const token = await getToken();
  const response = await fetch(apiInput.value.replace(/\/$/, "") + path, {
    method,
    // Signed out: no Authorization header at all (API Gateway then answers 401 itself).
    headers: token ? { Authorization: "Bearer " + token } : {},
  });
  let body = null;
  try { body = await response.json(); } catch (_) { /* an empty or non-JSON body */ }
  return { status: response.status, body };
}

/// What each status means for the app.
function explain(method, path, result) {
  if (result.status === 401) {
    show("unauthorized", `401 on ${method} ${path}: the session token is missing, expired or invalid. Get a fresh token or sign in again.`);
  } else if (result.status === 403) {
    show("forbidden", `403 on ${method} ${path}: you are signed in, but not allowed to do this.`);
  } else if (result.status >= 200 && result.status < 300) {
    show("ok", `${result.status} on ${method} ${path}: done.`);
  } else {
    show("error", `${result.status} on ${method} ${path}: ${JSON.stringify(result.body)}`);
  }
}

async function run(method, path, onOk) {
  let result;
  try {
    result = await call(method, path);
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

document.getElementById("load").addEventListener("click", async () => {
  const ok = await run("GET", "/me", (me) => {
    document.getElementById("me").textContent = JSON.stringify(me, null, 2);
  });
  if (!ok) return;
  await run("GET", "/tasks", (body) => {
    const list = document.getElementById("tasks");
    list.replaceChildren(...body.tasks.map((task) => {
      const item = document.createElement("li");
      item.textContent = `#${task.id} ${task.title}${task.done ? " (done)" : ""}`;
      return item;
    }));
  });
});

document.getElementById("delete").addEventListener("click", () => run("DELETE", "/tasks/1"));
