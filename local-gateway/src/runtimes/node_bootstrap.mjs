// local-gateway's Node.js bootstrap: Lambda's runtime contract, as AWS's runtime interface
// client (aws-lambda-nodejs-runtime-interface-client) implements it, in one file with no
// dependencies. It polls the Runtime API at AWS_LAMBDA_RUNTIME_API, loads `_HANDLER` from
// LAMBDA_TASK_ROOT (CommonJS or ES module), and answers each event.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const env = process.env;
const [host, port] = env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const taskRoot = env.LAMBDA_TASK_ROOT;
const runtime = (env.AWS_EXECUTION_ENV || "").replace("AWS_Lambda_", "");
const json = env.AWS_LAMBDA_LOG_FORMAT === "JSON";
let requestId;

// ES modules ignore NODE_PATH; Lambda lets them import from layers all the same. A resolve hook
// retries a bare specifier that was not found from each NODE_PATH folder, in order.
const modulePaths = (env.NODE_PATH || "").split(":").filter(Boolean);
register(new URL("./node_hooks.mjs", import.meta.url), { data: modulePaths });

function call(method, route, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host, port, method, agent, path: `/2018-06-01/runtime${route}`,
        headers: body === undefined ? {} : { "content-type": "application/json" } },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      });
    request.on("error", reject);
    request.end(body);
  });
}

// console.* as Lambda writes it: `time\trequestId\tLEVEL\tmessage`, or a JSON record.
function log(level, stream) {
  return (...args) => {
    const message = format(...args);
    const timestamp = new Date().toISOString();
    const line = json
      ? JSON.stringify({ timestamp, level, requestId, message })
      : `${timestamp}\t${requestId ?? "undefined"}\t${level}\t${message}`;
    stream.write(line.replace(/\n/g, json ? "\\n" : "\r") + "\n");
  };
}
console.log = console.info = log("INFO", process.stdout);
console.debug = log("DEBUG", process.stdout);
console.trace = log("TRACE", process.stdout);
console.warn = log("WARN", process.stderr);
console.error = log("ERROR", process.stderr);

function errorBody(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: e.name ?? "Error",
    errorMessage: e.message ?? String(error),
    stackTrace: String(e.stack ?? "").split("\n").slice(1).map((l) => l.trim()),
  };
}

class RuntimeError extends Error {
  constructor(name, message) { super(message); this.name = name; }
}

// `dir/file.export.nested` → the module `dir/file` and the path `export.nested`.
async function loadHandler(handlerString) {
  const slash = handlerString.lastIndexOf("/") + 1;
  const [module, ...exportPath] = handlerString.slice(slash).split(".");
  if (!module || exportPath.length === 0) {
    throw new RuntimeError("Runtime.MalformedHandlerName", `Bad handler ${handlerString}`);
  }
  const base = path.resolve(taskRoot, handlerString.slice(0, slash), module);
  const loaded = await loadModule(base, handlerString.slice(0, slash) + module);
  let handler = loaded;
  for (const key of exportPath) handler = handler?.[key];
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerString} is undefined or not exported`);
  }
  return handler;
}

function isModuleTyped(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try { return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module"; } catch { return false; }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadModule(base, name) {
  const require = createRequire(path.join(taskRoot, "index.js"));
  const esm = async (file) => {
    const m = await import(pathToFileURL(file).href);
    return m.handler === undefined && m.default && typeof m.default === "object" ? { ...m.default, ...m } : m;
  };
  try {
    if (fs.existsSync(`${base}.mjs`)) return await esm(`${base}.mjs`);
    if (fs.existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
    if (fs.existsSync(`${base}.js`)) {
      if (isModuleTyped(`${base}.js`)) return await esm(`${base}.js`);
      try { return require(`${base}.js`); } catch (e) {
        if (e.code === "ERR_REQUIRE_ESM") return await esm(`${base}.js`);
        throw e;
      }
    }
    return require(base);
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeError("Runtime.UserCodeSyntaxError", `${e.name}: ${e.message}`);
    if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND") {
      throw new RuntimeError("Runtime.ImportModuleError", `Error: ${e.message.split("\n")[0]}`);
    }
    throw e;
  }
}

async function initError(error) {
  const body = errorBody(error);
  console.error(JSON.stringify({ ...body, message: undefined }));
  await call("POST", "/init/error", JSON.stringify(body)).catch(() => {});
  process.exit(129);
}

let handler;
try {
  handler = await loadHandler(env._HANDLER || "");
  // Lambda's Node.js 24 runtime no longer runs callback handlers.
  if (handler.length >= 3 && runtime === "nodejs24.x") {
    throw new RuntimeError("Runtime.CallbackHandlerDeprecated",
      "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later.");
  }
} catch (e) {
  await initError(e);
}

let current;
async function fail(id, error) {
  const body = errorBody(error);
  console.error("Invoke Error", JSON.stringify(body));
  await call("POST", `/invocation/${id}/error`, JSON.stringify(body));
}
// An exception nothing caught ends the environment, as on Lambda; the invocation fails first.
for (const event of ["uncaughtException", "unhandledRejection"]) {
  process.on(event, async (error) => {
    if (current) await fail(current, error).catch(() => {});
    process.exit(129);
  });
}

function invoke(event, context) {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    // As Lambda: with callbackWaitsForEmptyEventLoop (true unless the handler clears it), the
    // answer goes once the event loop is empty ("beforeExit"; the Runtime API's idle
    // keep-alive socket is unref'd), so the handler's pending timers and I/O finish first, and
    // the result is serialized then. The legacy context.done/succeed/fail answer at once.
    const callback = (error, result) => {
      const settle = () => (error ? reject(error) : resolve(result));
      if (context.callbackWaitsForEmptyEventLoop) process.once("beforeExit", settle);
      else settle();
    };
    context.done = (error, result) => (error ? reject(error) : resolve(result));
    context.succeed = (result) => resolve(result);
    context.fail = (error) => reject(error ?? new Error("handled"));
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === "function") returned.then(resolve, reject);
  });
}

for (;;) {
  const next = await call("GET", "/invocation/next");
  const id = next.headers["lambda-runtime-aws-request-id"];
  const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
  requestId = current = id;
  const context = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
  try {
    const result = await invoke(JSON.parse(next.body), context);
    await call("POST", `/invocation/${id}/response`, JSON.stringify(result === undefined ? null : result));
  } catch (error) {
    await fail(id, error);
  }
  current = undefined;
}
