//! `AWS::DynamoDB::Table`: the tables to create on the local DynamoDB-compatible server.

use super::*;

const TABLE_PROPERTIES: [&str; 5] = [
    "TableName",
    "BillingMode",
    "AttributeDefinitions",
    "KeySchema",
    // Capacity is not emulated: the local table takes whatever it is sent.
    "ProvisionedThroughput",
];
/// Table properties that change nothing a request can see.
const IGNORED_TABLE_PROPERTIES: [&str; 6] = [
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "ContributorInsightsSpecification",
    "TableClass",
    "Tags",
];

impl Reader<'_> {
    pub(super) fn table(&self, name: &str, resource: &Value) -> Result<Table, String> {
        let props = properties(resource);
        for key in props.keys() {
            if !TABLE_PROPERTIES.contains(&key.as_str())
                && !IGNORED_TABLE_PROPERTIES.contains(&key.as_str())
            {
                return Err(format!(
                    "table {name}: property {key} is not supported by local-gateway"
                ));
            }
        }
        let pairs = |list: &str,
                     first: &str,
                     second: &str|
         -> Result<Vec<(String, String)>, String> {
            let items = props
                .get(list)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("table {name}: {list} must be a list"))?;
            items
                .iter()
                .map(|item| {
                    let field = |key: &str| {
                        item.get(key)
                            .ok_or_else(|| format!("table {name}: every {list} entry needs {key}"))
                            .and_then(|v| self.string(v))
                    };
                    Ok((field(first)?, field(second)?))
                })
                .collect()
        };
        let key_schema = pairs("KeySchema", "AttributeName", "KeyType")?;
        let attributes = pairs("AttributeDefinitions", "AttributeName", "AttributeType")?;
        for (attribute, key_type) in &key_schema {
            if !matches!(key_type.as_str(), "HASH" | "RANGE") {
                return Err(format!(
                    "table {name}: KeyType {key_type:?} is neither HASH nor RANGE"
                ));
            }
            if !attributes.iter().any(|(a, _)| a == attribute) {
                return Err(format!(
                    "table {name}: key attribute {attribute} is not in AttributeDefinitions"
                ));
            }
        }
        Ok(Table {
            logical_id: name.to_string(),
            name: self.reference(name)?,
            key_schema,
            attributes,
        })
    }
}
