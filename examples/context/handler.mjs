// Reading the Clerk authorizer's context in a Node.js Lambda behind API Gateway.
// REST APIs put it at requestContext.authorizer (every value a string, and principalId);
// HTTP APIs at requestContext.authorizer.lambda (simple responses) or requestContext.authorizer
// (IAM policies). principalId and `sub` are the user id (or an M2M token's machine id).
export function clerkIdentity(event) {
  const authorizer = event.requestContext?.authorizer ?? {};
  const context = authorizer.lambda ?? authorizer;
  const list = (value, separator) => (value ? String(value).split(separator).filter(Boolean) : []);
  return {
    userId: context.sub ?? authorizer.principalId ?? null,
    tokenType: context.token_type ?? null, // session_token, m2m_token or oauth_token
    orgId: context.org_id ?? null, // scope your data to this tenant when present
    orgRole: context.org_role ?? null,
    permissions: list(context.org_permissions, ","),
    scopes: list(context.scopes, " "),
    actor: context.actor ?? null, // set when support staff impersonate the user
  };
}

export const handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(clerkIdentity(event)),
});
