// Recipe (d): the Clerk authorizer in front of a REST API and an HTTP API with the AWS CDK.
//
// The function is the packaged arm64 zip that `scripts/package` builds and prints (set
// AUTHORIZER_ZIP to use another path). The CDK adds the invoke permissions for the authorizers
// it declares, scoped to each API.
import * as path from "node:path";
import { App, CfnOutput, CfnParameter, Duration, Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";

const zip =
  process.env.AUTHORIZER_ZIP ?? path.join(__dirname, "..", "..", "..", "target", "lambda", "authorizer", "bootstrap.zip");

const app = new App();
const stack = new Stack(app, "ClerkAuthorizerRecipe");

const clerkJwtKey = new CfnParameter(stack, "ClerkJwtKey", {
  noEcho: true,
  description: "PEM public key from the Clerk dashboard (API keys → Show JWT public key → PEM Public Key)",
});
const clerkPublishableKey = new CfnParameter(stack, "ClerkPublishableKey", {
  description: "pk_test_… or pk_live_…: the issuer to require and the app's session cookie",
});
const authorizedParties = new CfnParameter(stack, "AuthorizedParties", {
  description: "Comma-separated origins of your front ends, checked against azp",
});

const authorizerFunction = new lambda.Function(stack, "ClerkAuthorizer", {
  runtime: lambda.Runtime.PROVIDED_AL2023,
  architecture: lambda.Architecture.ARM_64,
  handler: "bootstrap",
  code: lambda.Code.fromAsset(zip),
  memorySize: 128,
  // As the SAM stack: a call to Clerk (API keys) ends within 3.5 s.
  timeout: Duration.seconds(6),
  environment: {
    CLERK_JWT_KEY: clerkJwtKey.valueAsString,
    CLERK_PUBLISHABLE_KEY: clerkPublishableKey.valueAsString,
    AUTHORIZED_PARTIES: authorizedParties.valueAsString,
    // Starter rules: any signed-in user everywhere; see examples/starter-rules/.
    ACCESS_RULES: JSON.stringify([{ routes: ["*"] }]),
    // Metering (docs/metering.md): REST answers name the tenant's API key (usageIdentifierKey).
    USAGE_IDENTIFIER: "tenant",
  },
});

// Your existing function; a stand-in that echoes who called.
const backend = new lambda.Function(stack, "Backend", {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: "index.handler",
  code: lambda.Code.fromInline(
    "exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer ?? null) });",
  ),
});

// REST: TOKEN on /tasks (cached per token), REQUEST on /me (the header or the __session
// cookie, so no single identity source to cache on: caching off). /tasks is metered: the
// authorizer names the tenant's API key, which must sit in a usage plan of this stage (kept by
// the provisioner from Clerk's webhooks, docs/metering.md); /me is not.
const restApi = new apigw.RestApi(stack, "RestApi", {
  deployOptions: { stageName: "prod" },
  apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
});
const tokenAuthorizer = new apigw.TokenAuthorizer(stack, "ClerkTokenAuthorizer", {
  handler: authorizerFunction,
  identitySource: apigw.IdentitySource.header("Authorization"),
  validationRegex: "^Bearer [-0-9A-Za-z_.]+$",
  resultsCacheTtl: Duration.seconds(60),
});
const requestAuthorizer = new apigw.RequestAuthorizer(stack, "ClerkRequestAuthorizer", {
  handler: authorizerFunction,
  identitySources: [],
  resultsCacheTtl: Duration.seconds(0),
});
const integration = new apigw.LambdaIntegration(backend);
restApi.root
  .addResource("tasks")
  .addMethod("GET", integration, { authorizer: tokenAuthorizer, apiKeyRequired: true });
restApi.root.addResource("me").addMethod("GET", integration, { authorizer: requestAuthorizer });

// One usage plan per Clerk Billing plan, named as the provisioner's DEFAULT_USAGE_PLAN and
// PLAN_USAGE_PLANS name them (with its USAGE_PLAN_NAME_PREFIX, the stack's name and a dash).
for (const [plan, rateLimit, burstLimit, limit, period] of [
  ["Default", 10, 20, 1000, apigw.Period.DAY],
  ["Pro", 100, 200, 1000000, apigw.Period.MONTH],
] as const) {
  restApi.addUsagePlan(`${plan}UsagePlan`, {
    name: `${stack.stackName}-${plan}`,
    throttle: { rateLimit, burstLimit },
    quota: { limit, period },
    apiStages: [{ api: restApi, stage: restApi.deploymentStage }],
  });
}

// HTTP API: payload 2.0, simple responses, cached per token and route ($context.routeKey).
// HTTP APIs have no usage plans: keep metered routes on the REST API only, or the HTTP API
// would serve them unmetered; this one serves /me.
const httpApi = new apigwv2.HttpApi(stack, "HttpApi");
const httpAuthorizer = new HttpLambdaAuthorizer("ClerkHttpAuthorizer", authorizerFunction, {
  responseTypes: [HttpLambdaResponseType.SIMPLE],
  identitySource: ["$request.header.Authorization", "$context.routeKey"],
  resultsCacheTtl: Duration.seconds(60),
});
httpApi.addRoutes({
  path: "/me",
  methods: [apigwv2.HttpMethod.GET],
  integration: new HttpLambdaIntegration("BackendIntegration", backend),
  authorizer: httpAuthorizer,
});

new CfnOutput(stack, "AuthorizerFunctionArn", { value: authorizerFunction.functionArn });
new CfnOutput(stack, "RestApiUrl", { value: restApi.url });
new CfnOutput(stack, "HttpApiUrl", { value: httpApi.apiEndpoint });
