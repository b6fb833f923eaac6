"""Reading the Clerk authorizer's context in a Python Lambda behind API Gateway.

REST APIs put it at requestContext.authorizer (every value a string, and principalId); HTTP APIs
at requestContext.authorizer.lambda (simple responses) or requestContext.authorizer (IAM
policies). principalId and `sub` are the subject: the user for a session or an OAuth token, the
calling machine for an M2M token, and an API key's owner, which is a user_... or an
organisation's org_... (so not always a user id)."""

import json


def clerk_identity(event):
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    context = authorizer.get("lambda") or authorizer

    def split(value, separator):
        return [item for item in str(value).split(separator) if item] if value else []

    subject = context.get("sub") or authorizer.get("principalId")
    return {
        "subject": subject,
        "userId": subject if subject and subject.startswith("user_") else None,
        # session_token, m2m_token, oauth_token or api_key
        "tokenType": context.get("token_type"),
        "keyId": context.get("key_id"),  # an API key's id (never its secret), for your logs
        "keyName": context.get("key_name"),
        "orgId": context.get("org_id"),  # scope your data to this tenant when present
        "orgRole": context.get("org_role"),
        "permissions": split(context.get("org_permissions"), ","),
        "scopes": split(context.get("scopes"), " "),
        "actor": context.get("actor"),  # set when support staff impersonate the user
    }


def handler(event, _context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(clerk_identity(event)),
    }
