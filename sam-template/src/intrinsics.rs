//! CloudFormation's intrinsic functions as local-gateway resolves them: `!Ref` to parameters
//! and resources, `!Sub`, `!GetAtt`, `!Split`, `!Join`; anything else is refused.

use super::*;

impl Reader<'_> {
    /// A list: a YAML list of strings, or `!Split [delimiter, string]`.
    pub(super) fn list(&self, value: &Value) -> Result<Vec<String>, String> {
        match value {
            Value::Array(items) => items.iter().map(|i| self.string(i)).collect(),
            Value::Object(o) if o.contains_key("Fn::Split") => {
                match o["Fn::Split"].as_array().map(Vec::as_slice) {
                    Some([delimiter, text]) => {
                        let delimiter = delimiter
                            .as_str()
                            .ok_or("Fn::Split's delimiter must be a string")?;
                        Ok(self
                            .string(text)?
                            .split(delimiter)
                            .map(str::to_string)
                            .collect())
                    }
                    _ => Err("Fn::Split takes [delimiter, string]".into()),
                }
            }
            other => Err(format!("{other} is not a list")),
        }
    }

    /// A string value, with `Ref`, `Fn::Sub` and `Fn::GetAtt` resolved.
    pub(super) fn string(&self, value: &Value) -> Result<String, String> {
        match value {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => scalar(value),
            Value::Object(o) if o.len() == 1 => {
                let (function, argument) = o.iter().next().unwrap();
                match function.as_str() {
                    "Ref" => self.reference(argument.as_str().ok_or("Ref takes a name")?),
                    "Fn::Sub" => self.sub(argument),
                    "Fn::GetAtt" => {
                        let (resource, attribute) = get_att(argument)?;
                        self.attribute(resource, attribute)
                    }
                    "Fn::If" => match self.choose(argument)? {
                        Some(chosen) => self.string(chosen),
                        None => Err("the value is AWS::NoValue".into()),
                    },
                    "Fn::Join" => match argument.as_array().map(Vec::as_slice) {
                        Some([Value::String(delimiter), items]) => {
                            Ok(self.list(items)?.join(delimiter))
                        }
                        _ => Err("Fn::Join takes [delimiter, list]".into()),
                    },
                    "Fn::Select" => match argument.as_array().map(Vec::as_slice) {
                        Some([index, list]) => {
                            let index: usize = self
                                .string(index)?
                                .parse()
                                .map_err(|_| "Fn::Select's index must be a number")?;
                            self.list(list)?
                                .get(index)
                                .cloned()
                                .ok_or_else(|| format!("Fn::Select index {index} is out of range"))
                        }
                        _ => Err("Fn::Select takes [index, list]".into()),
                    },
                    other => Err(format!(
                        "the intrinsic {other} is not supported by local-gateway"
                    )),
                }
            }
            other => Err(format!("{other} is not a string")),
        }
    }

    /// A value that may be `!Ref AWS::NoValue` (directly or from an `Fn::If`): `None` then.
    pub(super) fn optional(&self, value: &Value) -> Result<Option<String>, String> {
        if value.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue") {
            return Ok(None);
        }
        if let Some(argument) = value.get("Fn::If") {
            return match self.choose(argument)? {
                Some(chosen) => self.optional(chosen),
                None => Ok(None),
            };
        }
        self.string(value).map(Some)
    }

    /// True when `value` is `AWS::NoValue`, directly or as the branch an `Fn::If` picks: the
    /// property is then absent, as CloudFormation drops it.
    pub(super) fn is_absent(&self, value: &Value) -> Result<bool, String> {
        if value.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue") {
            return Ok(true);
        }
        match value.get("Fn::If") {
            Some(argument) => match self.choose(argument)? {
                Some(chosen) => self.is_absent(chosen),
                None => Ok(true),
            },
            None => Ok(false),
        }
    }

    /// `Fn::If [condition, then, else]`: the branch its condition picks (`None` for NoValue).
    fn choose<'v>(&self, argument: &'v Value) -> Result<Option<&'v Value>, String> {
        let [Value::String(condition), then, otherwise] = argument
            .as_array()
            .map(Vec::as_slice)
            .ok_or("Fn::If takes [condition, value if true, value if false]")?
        else {
            return Err("Fn::If takes [condition, value if true, value if false]".into());
        };
        let chosen = if self.condition(condition, 0)? {
            then
        } else {
            otherwise
        };
        Ok((chosen.get("Ref").and_then(Value::as_str) != Some("AWS::NoValue")).then_some(chosen))
    }

    /// Evaluates the template's condition `name`.
    pub(super) fn condition(&self, name: &str, depth: usize) -> Result<bool, String> {
        let definition = self
            .conditions
            .get(name)
            .ok_or_else(|| format!("condition {name} is not in Conditions"))?;
        self.evaluate(definition, depth)
            .map_err(|e| format!("condition {name}: {e}"))
    }

    fn evaluate(&self, value: &Value, depth: usize) -> Result<bool, String> {
        if depth > 32 {
            return Err("conditions nest too deep (a cycle?)".into());
        }
        let (function, argument) = value
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
            .ok_or("a condition is one of Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition")?;
        let items = || argument.as_array().map(Vec::as_slice).unwrap_or_default();
        match function.as_str() {
            "Fn::Equals" => match items() {
                [a, b] => Ok(self.string(a)? == self.string(b)?),
                _ => Err("Fn::Equals takes two values".into()),
            },
            "Fn::Not" => match items() {
                [c] => Ok(!self.evaluate(c, depth + 1)?),
                _ => Err("Fn::Not takes one condition".into()),
            },
            "Fn::And" => items()
                .iter()
                .try_fold(true, |all, c| Ok(all && self.evaluate(c, depth + 1)?)),
            "Fn::Or" => items()
                .iter()
                .try_fold(false, |any, c| Ok(any || self.evaluate(c, depth + 1)?)),
            "Condition" => self.condition(
                argument.as_str().ok_or("Condition takes a name")?,
                depth + 1,
            ),
            other => Err(format!(
                "{other} is not supported in a condition by local-gateway"
            )),
        }
    }

    pub(super) fn reference(&self, name: &str) -> Result<String, String> {
        match name {
            "AWS::Region" => return Ok(self.settings.region.clone()),
            "AWS::AccountId" => return Ok(self.settings.account_id.clone()),
            "AWS::Partition" => return Ok("aws".into()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            "AWS::StackName" => return Ok("local".into()),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return value.clone().ok_or_else(|| {
                format!("parameter {name} has no Default; pass --parameter-overrides {name}=…")
            });
        }
        // SAM's `!Ref Api.Stage`: the stage SAM makes for a SAM API, by its name.
        if let Some(api) = name.strip_suffix(".Stage") {
            let resource = self
                .resources
                .get(api)
                .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Api"));
            if let Some(resource) = resource {
                let stage = properties(resource)
                    .get("StageName")
                    .ok_or_else(|| format!("Ref {name}: {api} has no StageName"))?;
                return self.string(stage);
            }
        }
        if let Some(resource) = self.resources.get(name) {
            // A resource's Ref is its physical name; locally that is its logical id, unless
            // the template names it (a table's TableName). An API's Ref is its id.
            match resource.get("Type").and_then(Value::as_str) {
                Some("AWS::DynamoDB::Table") => {
                    if let Some(table_name) = properties(resource).get("TableName") {
                        return self.string(table_name);
                    }
                }
                Some(
                    "AWS::ApiGateway::RestApi"
                    | "AWS::ApiGatewayV2::Api"
                    | "AWS::Serverless::Api"
                    | "AWS::Serverless::HttpApi",
                ) => return Ok(self.api_id(name)),
                // An authorizer's id, as the gateway names it in `…/authorizers/{id}`.
                Some("AWS::ApiGateway::Authorizer" | "AWS::ApiGatewayV2::Authorizer") => {
                    return Ok(derived_api_id(name))
                }
                _ => {}
            }
            return Ok(name.to_string());
        }
        Err(format!(
            "Ref {name} names neither a parameter nor a resource"
        ))
    }

    pub(super) fn attribute(&self, resource: &str, attribute: &str) -> Result<String, String> {
        let kind = self
            .resources
            .get(resource)
            .and_then(|r| r.get("Type"))
            .and_then(Value::as_str);
        match (kind, attribute) {
            (Some("AWS::Serverless::Function"), "Arn") => Ok(self.function_arn(resource)),
            (Some("AWS::Serverless::Application"), _) if attribute.starts_with("Outputs.") => {
                self.nested_output(resource, &attribute["Outputs.".len()..])
            }
            (Some("AWS::DynamoDB::Table"), "Arn") => Ok(format!(
                "arn:aws:dynamodb:{}:{}:table/{}",
                self.settings.region,
                self.settings.account_id,
                self.reference(resource)?
            )),
            _ => Err(format!(
                "!GetAtt {resource}.{attribute} is not supported by local-gateway"
            )),
        }
    }

    pub(super) fn sub(&self, argument: &Value) -> Result<String, String> {
        let (text, variables) = match argument {
            Value::String(text) => (text.as_str(), None),
            Value::Array(pair) if pair.len() == 2 => (
                pair[0]
                    .as_str()
                    .ok_or("Fn::Sub's first item must be a string")?,
                pair[1].as_object(),
            ),
            _ => return Err("Fn::Sub takes a string or [string, variables]".into()),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub {text:?} has an unclosed ${{"))?;
            let name = &after[..end];
            let value = match (variables.and_then(|v| v.get(name)), name.split_once('.')) {
                (Some(v), _) => self.string(v)?,
                (None, Some((resource, attribute))) if self.resources.contains_key(resource) => {
                    self.attribute(resource, attribute)?
                }
                (None, _) => self.reference(name)?,
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// What `!GetAtt F.Arn` gives for the function `F`.
    pub(super) fn function_arn(&self, function: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{function}",
            self.settings.region, self.settings.account_id
        )
    }

    /// The function a `FunctionArn` (or an integration's or authorizer's URI) points at:
    /// anything that resolves to a function's ARN (`!GetAtt F.Arn`, `!Sub ${F.Arn}`,
    /// `!GetAtt App.Outputs.FunctionArn`, a parameter holding the ARN), or API Gateway's
    /// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{ARN}/invocations`. That
    /// the function exists is checked once the whole app is read (it may be the parent's).
    pub(super) fn function_ref(&self, value: &Value) -> Result<String, String> {
        let arn = self.string(value).map_err(|e| {
            format!(
                "the function must be the ARN of a function in this template (!GetAtt F.Arn): {e}"
            )
        })?;
        let invocation = format!(
            "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/",
            self.settings.region
        );
        let function_arn = arn
            .strip_prefix(&invocation)
            .and_then(|rest| rest.strip_suffix("/invocations"))
            .unwrap_or(&arn);
        function_arn
            .strip_prefix(&self.function_arn(""))
            .filter(|name| !name.is_empty() && !name.contains([':', '/']))
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "{arn:?} is not the ARN of a function of this template in {} and {} \
                     (local-gateway runs this project's functions only)",
                    self.settings.region, self.settings.account_id
                )
            })
    }
}

fn get_att(argument: &Value) -> Result<(&str, &str), String> {
    match argument {
        Value::Array(pair) if pair.len() == 2 => match (pair[0].as_str(), pair[1].as_str()) {
            (Some(r), Some(a)) => Ok((r, a)),
            _ => Err("Fn::GetAtt takes [Resource, Attribute]".into()),
        },
        Value::String(path) => path
            .split_once('.')
            .ok_or_else(|| format!("Fn::GetAtt {path:?} must be Resource.Attribute")),
        _ => Err("Fn::GetAtt takes [Resource, Attribute]".into()),
    }
}
