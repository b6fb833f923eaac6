//! Lambda's resource policy, as far as API Gateway needs it: a raw `AWS::ApiGateway*` API may
//! invoke a function only where an `AWS::Lambda::Permission` (read by the template) allows its
//! `execute-api` ARN.

use crate::template::App;

/// True when API Gateway may invoke `function` from `source_arn` (an `execute-api` ARN): a
/// permission for the function whose `SourceArn`, if any, matches as IAM matches it.
pub fn may_invoke(app: &App, function: &str, source_arn: &str) -> bool {
    app.permissions.iter().any(|p| {
        p.function == function
            && p.source_arn
                .as_deref()
                .is_none_or(|pattern| authorizer::rules::wildcard_match(pattern, source_arn))
    })
}
