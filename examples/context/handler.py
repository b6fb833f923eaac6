"""Reading the Clerk authorizer's context in a Python Lambda behind API Gateway.

REST APIs put it at requestContext.authorizer (every value a string, and principalId); HTTP APIs
at requestContext.authorizer.lambda (simple responses) or requestContext.authorizer (IAM
policies). principalId and `sub` are the user id (or an M2M token's machine id)."""

import json


def clerk_identity(event):
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    context = authorizer.get("lambda") or authorizer

    def split(value, separator):
        return [item for item in str(value).split(separator) if item] if value else []

    return {
        "userId": context.get("sub") or authorizer.get("principalId"),
        "tokenType": context.get("token_type"),  # session_token, m2m_token or oauth_token
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
