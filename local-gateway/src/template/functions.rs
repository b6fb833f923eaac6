//! `AWS::Serverless::Function`: the binary to run, its environment (with `Globals`, parameters
//! and `--env-file` applied) and its timeout.

use super::*;

/// Function properties that do not change how a local invocation behaves.
const IGNORED_FUNCTION_PROPERTIES: [&str; 11] = [
    "CodeUri",
    "Description",
    "Runtime",
    "Architectures",
    "Handler",
    "MemorySize",
    "LoggingConfig",
    "Policies",
    "Tags",
    "Tracing",
    "FunctionName",
];
const FUNCTION_PROPERTIES: [&str; 5] = [
    "Environment",
    "Events",
    "Timeout",
    "ReservedConcurrentExecutions",
    // Only when it resolves to AWS::NoValue (the standalone stack without RulesLayerArn).
    "Layers",
];

impl Reader<'_> {
    pub(super) fn function(&self, name: &str, resource: &Value) -> Result<Function, String> {
        let props = properties(resource);
        for (key, source) in self
            .globals
            .keys()
            .map(|k| (k, "Globals.Function"))
            .chain(props.keys().map(|k| (k, "Properties")))
        {
            if !FUNCTION_PROPERTIES.contains(&key.as_str())
                && !IGNORED_FUNCTION_PROPERTIES.contains(&key.as_str())
            {
                return Err(format!(
                    "function {name}: {source}.{key} is not supported by local-gateway"
                ));
            }
        }
        // local-gateway runs this workspace's Rust binaries; a Node, Python or Java function
        // cannot be served as it would be in production.
        let runtime = props
            .get("Runtime")
            .or_else(|| self.globals.get("Runtime"))
            .map(|r| self.string(r))
            .transpose()?;
        if let Some(runtime) = runtime.filter(|r| !r.starts_with("provided")) {
            return Err(format!(
                "function {name} runs on {runtime}; local-gateway runs Rust functions only \
                 (Runtime provided.al2023 with Metadata.BuildProperties.Binary)"
            ));
        }
        let binary = resource
            .pointer("/Metadata/BuildProperties/Binary")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("function {name} has no Metadata.BuildProperties.Binary (the cargo binary to run)"))?
            .to_string();
        let get = |key: &str| props.get(key).or_else(|| self.globals.get(key));
        if let Some(layers) = get("Layers") {
            if !self.is_absent(layers)? {
                return Err(format!(
                    "function {name}: Layers are not supported by local-gateway; leave the layer \
                     out locally (for the authorizer: RulesLayerArn blank, ACCESS_RULES in \
                     --env-file)"
                ));
            }
        }
        let timeout = match get("Timeout") {
            None => 3,
            Some(t) => self
                .string(t)
                .and_then(|t| {
                    t.parse::<u64>()
                        .map_err(|_| format!("{t:?} is not whole seconds"))
                })
                .map_err(|e| format!("function {name}: Timeout: {e}"))?,
        };
        let reserved_concurrency = get("ReservedConcurrentExecutions")
            .map(|v| self.optional(v))
            .transpose()
            .map_err(|e| format!("function {name}: ReservedConcurrentExecutions: {e}"))?
            .flatten()
            .map(|n| {
                n.parse::<usize>().map_err(|_| {
                    format!("function {name}: ReservedConcurrentExecutions {n:?} is not a number")
                })
            })
            .transpose()?;
        let mut environment = BTreeMap::new();
        for scope in [self.globals.get("Environment"), props.get("Environment")]
            .into_iter()
            .flatten()
        {
            let variables = scope
                .get("Variables")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("function {name}: Environment needs Variables"))?;
            for (variable, value) in variables {
                let value = match self.settings.env_file.get(variable) {
                    Some(overridden) => overridden.clone(),
                    None => self.string(value).map_err(|e| {
                        format!("function {name}: environment variable {variable}: {e}; or set {variable} in --env-file")
                    })?,
                };
                environment.insert(variable.clone(), value);
            }
        }
        Ok(Function {
            name: name.to_string(),
            binary,
            environment,
            timeout: Duration::from_secs(timeout),
            reserved_concurrency,
        })
    }
}
