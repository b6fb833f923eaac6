// Checks the template `cdk synth` wrote: the authorizer types, identity sources and TTLs, and
// that API Gateway may invoke the authorizer from each API (without the permission, every call
// would be a 500). Exits 1 with what is wrong.
import { readFileSync } from "node:fs";

const template = JSON.parse(readFileSync("cdk.out/ClerkAuthorizerRecipe.template.json", "utf8"));
const resources = Object.entries(template.Resources);
const ofType = (type) => resources.filter(([, r]) => r.Type === type);
const problems = [];
const expect = (ok, what) => ok || problems.push(what);

const fn = ofType("AWS::Lambda::Function").find(([id]) => id.startsWith("ClerkAuthorizer"));
expect(fn, "no ClerkAuthorizer function");
const [fnId, fnResource] = fn ?? [];
expect(fnResource?.Properties.Runtime === "provided.al2023", "the authorizer runs on provided.al2023");
expect(JSON.stringify(fnResource?.Properties.Architectures) === '["arm64"]', "the authorizer is arm64");
expect(fnResource?.Properties.Handler === "bootstrap", "the handler is bootstrap");
expect(fnResource?.Properties.Code?.S3Key?.endsWith(".zip"), "the code is the packaged zip (an asset)");

const rest = ofType("AWS::ApiGateway::Authorizer").map(([, r]) => r.Properties);
const token = rest.find((p) => p.Type === "TOKEN");
expect(token, "no TOKEN authorizer");
expect(token?.IdentitySource === "method.request.header.Authorization", "TOKEN reads Authorization");
expect(token?.AuthorizerResultTtlInSeconds === 60, "TOKEN caches 60 s");
expect(token?.IdentityValidationExpression === "^Bearer [-0-9A-Za-z_.]+$", "TOKEN validates the bearer shape");
const request = rest.find((p) => p.Type === "REQUEST");
expect(request, "no REQUEST authorizer");
expect(request?.AuthorizerResultTtlInSeconds === 0, "REQUEST does not cache");

const http = ofType("AWS::ApiGatewayV2::Authorizer").map(([, r]) => r.Properties);
expect(http.length === 1, "one HTTP API authorizer");
const h = http[0] ?? {};
expect(h.AuthorizerType === "REQUEST", "the HTTP authorizer is a Lambda (REQUEST) authorizer");
expect(h.AuthorizerPayloadFormatVersion === "2.0", "payload 2.0");
expect(h.EnableSimpleResponses === true, "simple responses");
expect(
  JSON.stringify(h.IdentitySource) === '["$request.header.Authorization","$context.routeKey"]',
  "the HTTP identity sources are Authorization and $context.routeKey",
);
expect(h.AuthorizerResultTtlInSeconds === 60, "the HTTP authorizer caches 60 s");

// Each API may invoke the authorizer: a permission on it, from API Gateway, scoped to the API.
const permissions = ofType("AWS::Lambda::Permission")
  .map(([, r]) => r.Properties)
  .filter((p) => JSON.stringify(p.FunctionName).includes(fnId) && p.Principal === "apigateway.amazonaws.com");
for (const api of ["RestApi", "HttpApi"]) {
  const id = resources.find(([rid, r]) => rid.startsWith(api) && r.Type.endsWith("RestApi") || rid.startsWith(api) && r.Type === "AWS::ApiGatewayV2::Api")?.[0];
  expect(id, `no ${api}`);
  expect(
    permissions.some((p) => p.Action === "lambda:InvokeFunction" && JSON.stringify(p.SourceArn).includes(`"${id}"`)),
    `no permission lets ${api} invoke the authorizer`,
  );
}

// Metering: the REST API takes keys from the authorizer, /tasks needs one and /me does not,
// two usage plans cover its stage, and the authorizer names the tenant's key.
const restApis = ofType("AWS::ApiGateway::RestApi").map(([, r]) => r.Properties);
expect(restApis[0]?.ApiKeySourceType === "AUTHORIZER", "the REST API takes API keys from the authorizer");
const methods = ofType("AWS::ApiGateway::Method").map(([id, r]) => [id, r.Properties]);
const method = (path) => methods.find(([id, p]) => id.includes(path) && p.HttpMethod === "GET")?.[1];
expect(method("tasks")?.ApiKeyRequired === true, "GET /tasks needs an API key (metered)");
expect(!method("me")?.ApiKeyRequired, "GET /me needs no API key (unmetered)");
const plans = ofType("AWS::ApiGateway::UsagePlan").map(([, r]) => r.Properties);
expect(plans.length === 2, "two usage plans (Default and Pro)");
for (const plan of plans) {
  expect(plan.ApiStages?.length === 1 && plan.Quota?.Limit > 0 && plan.Throttle?.RateLimit > 0, "each plan covers the stage with a quota and a throttle");
}
expect(fnResource?.Properties.Environment?.Variables?.USAGE_IDENTIFIER === "tenant", "the authorizer names the tenant's key");
const httpRoutes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey);
expect(!httpRoutes.some((key) => key.includes("/tasks")), "no metered route on the HTTP API (it has no usage plans)");

if (problems.length) {
  console.error(`check: the synthesized template is not as the recipe says:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("check: the CDK recipe's authorizers, identity sources, TTLs, permissions and metering are as documented");
