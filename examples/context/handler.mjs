// Reading the Clerk authorizer's context in a Node.js Lambda behind API Gateway.
// REST APIs put it at requestContext.authorizer (every value a string, and principalId);
// HTTP APIs at requestContext.authorizer.lambda (simple responses) or requestContext.authorizer
// (IAM policies). principalId and `sub` are the subject: the user for a session or an OAuth
// token, the calling machine for an M2M token, and an API key's owner, which is a user_… or an
// organisation's org_… (so not always a user id).
export function clerkIdentity(event) {
  const authorizer = event.requestContext?.authorizer ?? {};
  const context = authorizer.lambda ?? authorizer;
  const list = (value, separator) => (value ? String(value).split(separator).filter(Boolean) : []);
  const subject = context.sub ?? authorizer.principalId ?? null;
  return {
    subject,
    userId: subject?.startsWith("user_") ? subject : null,
    tokenType: context.token_type ?? null, // session_token, m2m_token, oauth_token or api_key
    keyId: context.key_id ?? null, // an API key's id (never its secret), for your logs
    keyName: context.key_name ?? null,
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
