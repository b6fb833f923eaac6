//! `AWS::Serverless::Application` with a local `Location`: a nested stack. Its template is read
//! with the parameters the parent passes, its functions, APIs and tables join the app, and the
//! parent reads its `Outputs` with `!GetAtt App.Outputs.Name`.
//!
//! Applications from the Serverless Application Repository (`ApplicationId`) are refused: their
//! code is not here to run.

use std::path::{Path, PathBuf};

use super::*;

/// How deep nested applications may go: deeper is a loop or a mistake.
const MAX_DEPTH: usize = 5;

/// Properties of an application that change nothing locally.
const IGNORED_APPLICATION_PROPERTIES: [&str; 3] = ["Tags", "TimeoutInMinutes", "NotificationARNs"];

/// A template read into an app, with its outputs (each resolved, or why it cannot be).
#[derive(Debug, Clone)]
pub(crate) struct Nested {
    pub app: App,
    pub outputs: BTreeMap<String, Result<String, String>>,
}

/// Reads the template `text`, found in `dir`, and its nested applications.
pub(crate) fn read(
    text: &str,
    settings: &Settings,
    dir: &Path,
    depth: usize,
) -> Result<Nested, String> {
    let mut template = crate::yaml::parse(text).map_err(|e| format!("the template {e}"))?;
    // Resources whose Condition is false do not exist: read the template without them.
    let absent = Reader::new(&template, settings, dir)?.absent_resources()?;
    if let Some(resources) = template.get_mut("Resources").and_then(Value::as_object_mut) {
        for name in absent {
            resources.remove(&name);
        }
    }
    let mut reader = Reader::new(&template, settings, dir)?;
    // Each application once the ones its parameters read (their outputs) are read.
    let mut pending = reader.application_names();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|name| !reader.reads_any(name, &pending))
            .ok_or_else(|| {
                format!(
                    "the nested applications {} read each other's outputs in a cycle",
                    pending.join(", ")
                )
            })?;
        let name = pending.remove(ready);
        let nested = reader.nested_app(&name, depth)?;
        reader.nested.insert(name, nested);
    }
    let app = reader.app()?;
    if depth == 0 {
        app.check_functions()?;
    }
    Ok(Nested {
        app,
        outputs: reader.outputs(&template),
    })
}

impl Reader<'_> {
    /// The template's nested applications and stacks.
    fn application_names(&self) -> Vec<String> {
        self.of_type("AWS::Serverless::Application")
            .chain(self.of_type("AWS::CloudFormation::Stack"))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// True when application `name`'s parameters name one of `others` (to read its outputs).
    fn reads_any(&self, name: &str, others: &[String]) -> bool {
        let parameters = properties(&self.resources[name])
            .get("Parameters")
            .map(Value::to_string)
            .unwrap_or_default();
        others.iter().filter(|o| *o != name).any(|other| {
            parameters.contains(&format!("\"{other}\""))
                || parameters.contains(&format!("\"{other}."))
                || parameters.contains(&format!("${{{other}."))
        })
    }

    /// Reads application `name`.
    fn nested_app(&self, name: &str, depth: usize) -> Result<Nested, String> {
        let resource = &self.resources[name];
        {
            let stack =
                resource.get("Type").and_then(Value::as_str) == Some("AWS::CloudFormation::Stack");
            // A CloudFormation stack names its template in TemplateURL (a local path before
            // `aws cloudformation package`), SAM's application in Location.
            let location_key = if stack { "TemplateURL" } else { "Location" };
            if depth >= MAX_DEPTH {
                return Err(format!(
                    "application {name}: nested more than {MAX_DEPTH} deep (does it nest itself?)"
                ));
            }
            let props = properties(resource);
            for key in props.keys() {
                if key != location_key
                    && key != "Parameters"
                    && !IGNORED_APPLICATION_PROPERTIES.contains(&key.as_str())
                {
                    return Err(format!(
                        "application {name}: property {key} is not supported by local-gateway"
                    ));
                }
            }
            let location = match props.get(location_key) {
                Some(Value::String(url)) if url.contains("://") => {
                    return Err(format!(
                        "application {name}: {location_key} {url:?} is remote; local-gateway reads \
                         local templates only (the path before `sam package`)"
                    ))
                }
                Some(Value::String(path)) => path,
                Some(Value::Object(o)) if o.contains_key("ApplicationId") => {
                    return Err(format!(
                        "application {name} comes from the Serverless Application Repository \
                         (ApplicationId), whose code local-gateway cannot run; point Location at \
                         the application's template in this repository instead"
                    ))
                }
                _ => {
                    return Err(format!(
                        "application {name}: {location_key} must be the path of a local template"
                    ))
                }
            };
            let path: PathBuf = self.dir.join(location);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("application {name}: cannot read {}: {e}", path.display()))?;
            let mut parameter_overrides = BTreeMap::new();
            for (parameter, value) in props
                .get("Parameters")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                // A parameter of the parent with no value (no Default, no override) leaves the
                // nested one unset too: as for the parent's own functions, --env-file may
                // still give the variable it feeds.
                if let Some(Some(None)) = value
                    .get("Ref")
                    .and_then(Value::as_str)
                    .map(|p| self.parameters.get(p))
                {
                    continue;
                }
                let value = self
                    .string(value)
                    .map_err(|e| format!("application {name}: parameter {parameter}: {e}"))?;
                parameter_overrides.insert(parameter.clone(), value);
            }
            let settings = Settings {
                parameter_overrides,
                stack: format!("{}{name}/", self.settings.stack),
                ..self.settings.clone()
            };
            let dir = path.parent().unwrap_or(Path::new("."));
            read(&text, &settings, dir, depth + 1)
                .map_err(|e| format!("application {name} ({location}): {e}"))
        }
    }

    /// `!GetAtt App.Outputs.Name` of a nested application.
    pub(super) fn nested_output(&self, application: &str, output: &str) -> Result<String, String> {
        let nested = self
            .nested
            .get(application)
            .ok_or_else(|| format!("{application} is not a nested application"))?;
        match nested.outputs.get(output) {
            Some(Ok(value)) => Ok(value.clone()),
            Some(Err(e)) => Err(format!("{application}.Outputs.{output}: {e}")),
            None => Err(format!(
                "application {application} has no output {output} (it has: {})",
                nested
                    .outputs
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Adds a nested application's functions, APIs, tables, permissions, notes and usage
    /// plans to `into`, what the app being read has from its nested stacks.
    pub(super) fn merge_nested(&self, name: &str, into: &mut App) -> Result<(), String> {
        let nested = &self.nested[name];
        for (function, definition) in &nested.app.functions {
            if into.functions.contains_key(function) || self.resources.contains_key(function) {
                return Err(format!(
                    "application {name} defines {function}, which is defined in its parent too; \
                     local-gateway names functions by logical id, so rename one"
                ));
            }
            into.functions.insert(function.clone(), definition.clone());
        }
        // APIs keep their ids but are named by their stack, `App/Api`: two nested stacks may
        // each call theirs `Api`.
        into.apis
            .extend(nested.app.apis.iter().cloned().map(|mut api| {
                api.name = format!("{name}/{}", api.name);
                api
            }));
        into.tables.extend(nested.app.tables.iter().cloned());
        into.permissions
            .extend(nested.app.permissions.iter().cloned());
        into.notes.extend(nested.app.notes.iter().cloned());
        into.usage_plans.merge(&nested.app.usage_plans, name)
    }

    /// The template's `Outputs`, each resolved (an output nobody reads may use what
    /// local-gateway cannot resolve: the error waits until it is read).
    fn outputs(&self, template: &Value) -> BTreeMap<String, Result<String, String>> {
        template
            .get("Outputs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, output)| {
                let value = output
                    .get("Value")
                    .ok_or_else(|| format!("output {name} has no Value"))
                    .and_then(|v| self.string(v));
                (name.clone(), value)
            })
            .collect()
    }
}
