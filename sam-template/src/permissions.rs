//! `AWS::Lambda::Permission`: whether API Gateway may invoke a function. Without one, a raw
//! API's authorizer or integration answers 500 in production, so it does here too (SAM adds
//! them for its own APIs and authorizers).

use super::*;

impl Reader<'_> {
    /// The permission, when it lets API Gateway invoke a function; `None` for any other grant.
    pub(super) fn permission(
        &self,
        name: &str,
        resource: &Value,
    ) -> Result<Option<Permission>, String> {
        let props = properties(resource);
        let text = |key: &str| {
            props
                .get(key)
                .map(|v| self.string(v))
                .transpose()
                .map_err(|e| format!("permission {name}: {key}: {e}"))
        };
        let action = text("Action")?.unwrap_or_default();
        let principal = text("Principal")?.unwrap_or_default();
        if action != "lambda:InvokeFunction" || principal != "apigateway.amazonaws.com" {
            return Ok(None);
        }
        let target = props
            .get("FunctionName")
            .ok_or_else(|| format!("permission {name} has no FunctionName"))?;
        // A function's name (its Ref, locally the logical id), or its ARN.
        let function = match self.function_ref(target) {
            Ok(function) => function,
            Err(_) => text("FunctionName")?.unwrap_or_default(),
        };
        Ok(Some(Permission {
            function,
            source_arn: text("SourceArn")?,
        }))
    }
}
