// The authorizer users would otherwise paste from a blog post, written the common way, and a
// small Lambda Runtime API loop to run it like Lambda's Node runtime does. For benchmarking only:
// it has every defect the README lists (500 on bad tokens, nested context, one-route policy).
'use strict';
const http = require('http');
const jwt = require('jsonwebtoken');

const pem = (process.env.CLERK_JWT_KEY || '').replace(/\\n/g, '\n');

async function handler(event) {
  const token = event.authorizationToken.replace('Bearer ', '');
  const claims = jwt.verify(token, pem);
  const effect = claims.metadata && claims.metadata.role === 'admin' ? 'Allow' : 'Deny';
  return {
    principalId: claims.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }],
    },
    context: claims.metadata,
  };
}

// --- the runtime loop (what Lambda's Node runtime does around the handler) ---
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path: '/2018-06-01/runtime' + path, agent,
        headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

(async function loop() {
  for (;;) {
    const next = await request('GET', '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    try {
      const result = await handler(JSON.parse(next.body));
      await request('POST', `/invocation/${id}/response`, JSON.stringify(result));
    } catch (e) {
      await request('POST', `/invocation/${id}/error`,
        JSON.stringify({ errorType: e.name, errorMessage: e.message }));
    }
  }
})();
