// What Lambda gives a Node.js function: the context object and the environment; the answer is
// built with the layer's package, imported as an ES module.
import { json } from "api-kit";

export const handler = async (event, context) =>
  json(200, {
    runtime: process.env.AWS_EXECUTION_ENV,
    stage: process.env.APP_STAGE,
    taskRoot: process.env.LAMBDA_TASK_ROOT,
    handler: process.env._HANDLER,
    region: process.env.AWS_REGION,
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    remainingMs: context.getRemainingTimeInMillis(),
    requestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    timeZone: process.env.TZ,
    subject: event.requestContext.authorizer.principalId,
  });
