//! `AWS::Serverless::Function`: its runtime and code (a cargo binary, or a Node.js or Python
//! folder), layers, memory, log format, environment (with `Globals`, parameters and
//! `--env-file` applied) and timeout. `AWS::Serverless::LayerVersion` and
//! `AWS::Lambda::LayerVersion` are read here, as the functions name them.

use std::path::PathBuf;

use super::*;
use crate::runtime::{Language, Runtime};

/// Function properties that do not change how a local invocation behaves.
const IGNORED_FUNCTION_PROPERTIES: [&str; 9] = [
    "Description",
    "Architectures",
    "Policies",
    "Role",
    "Tags",
    "Tracing",
    "FunctionName",
    "AutoPublishAlias",
    "VpcConfig",
];
const FUNCTION_PROPERTIES: [&str; 12] = [
    "Runtime",
    "Handler",
    "CodeUri",
    "MemorySize",
    "LoggingConfig",
    "Environment",
    "Events",
    "Timeout",
    "ReservedConcurrentExecutions",
    "Layers",
    "PackageType",
    "CapacityProviderConfig",
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
        let get = |key: &str| props.get(key).or_else(|| self.globals.get(key));
        let text = |key: &str| get(key).map(|v| self.string(v)).transpose();
        if text("PackageType")?.as_deref() == Some("Image") {
            return Err(format!(
                "function {name} is a container image, which local-gateway cannot run: run it \
                 with `sam local` (Docker), or package it as a zip with a Node.js, Python or \
                 provided runtime"
            ));
        }
        let runtime = Runtime::parse(name, text("Runtime")?.as_deref())?;
        let handler = text("Handler")?.unwrap_or_default();
        let metadata = |key: &str| resource.pointer(&format!("/Metadata/{key}"));
        let code = match runtime.language {
            Language::Rust => Code::Binary(
                metadata("BuildProperties/Binary")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        format!("function {name} has no Metadata.BuildProperties.Binary (the cargo binary to run)")
                    })?
                    .to_string(),
            ),
            Language::Node | Language::Python => {
                if metadata("BuildMethod").and_then(Value::as_str) == Some("esbuild") {
                    return Err(format!(
                        "function {name} is built with esbuild (Metadata.BuildMethod), and \
                         local-gateway runs code as it is: point CodeUri at esbuild's output \
                         (build it with your own esbuild first) and drop the BuildMethod, or \
                         run `sam build` and pass --template .aws-sam/build/template.yaml"
                    ));
                }
                if handler.is_empty() {
                    return Err(format!("function {name} has no Handler"));
                }
                Code::Dir(self.local_dir(name, "CodeUri", get("CodeUri"))?)
            }
        };
        let layers = match get("Layers") {
            None => Vec::new(),
            Some(layers) if self.is_absent(layers)? => Vec::new(),
            Some(layers) => layers
                .as_array()
                .ok_or_else(|| format!("function {name}: Layers is not a list"))?
                .iter()
                .map(|layer| self.layer(name, layer))
                .collect::<Result<_, _>>()?,
        };
        if !layers.is_empty() && runtime.language == Language::Rust {
            return Err(format!(
                "function {name}: Layers on a provided runtime are not supported by \
                 local-gateway; leave the layer out locally (for the authorizer: RulesLayerArn \
                 blank, ACCESS_RULES in --env-file)"
            ));
        }
        let number = |key: &str| -> Result<Option<u64>, String> {
            get(key)
                .map(|v| self.optional(v))
                .transpose()?
                .flatten()
                .map(|n| {
                    n.parse::<u64>()
                        .map_err(|_| format!("function {name}: {key} {n:?} is not a whole number"))
                })
                .transpose()
        };
        let timeout = number("Timeout")?.unwrap_or(3);
        let memory_mb = number("MemorySize")?.unwrap_or(128);
        let reserved_concurrency = number("ReservedConcurrentExecutions")?.map(|n| n as usize);
        let max_concurrency = self.max_concurrency(name, get("CapacityProviderConfig"))?;
        let log_format = match get("LoggingConfig")
            .and_then(|c| c.get("LogFormat"))
            .map(|f| self.string(f))
            .transpose()?
            .as_deref()
        {
            None | Some("Text") => LogFormat::Text,
            Some("JSON") => LogFormat::Json,
            Some(other) => {
                return Err(format!(
                    "function {name}: LoggingConfig.LogFormat {other:?} is neither Text nor JSON"
                ))
            }
        };
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
            arn: format!(
                "arn:aws:lambda:{}:{}:function:{name}",
                self.settings.region, self.settings.account_id
            ),
            runtime,
            code,
            handler,
            layers,
            memory_mb: memory_mb as u32,
            log_format,
            environment,
            timeout: Duration::from_secs(timeout),
            reserved_concurrency,
            max_concurrency,
        })
    }

    /// `CapacityProviderConfig` (Lambda Managed Instances): its
    /// `PerExecutionEnvironmentMaxConcurrency`, invocations at once per environment. Lambda's
    /// default depends on the runtime and the instance's vCPUs, which a local run cannot know,
    /// so it must be set (or given as --max-concurrency).
    fn max_concurrency(&self, name: &str, config: Option<&Value>) -> Result<Option<usize>, String> {
        let Some(config) = config else {
            return Ok(None);
        };
        if self.is_absent(config)? {
            return Ok(None);
        }
        let max = config
            .get("PerExecutionEnvironmentMaxConcurrency")
            .map(|v| self.optional(v))
            .transpose()?
            .flatten();
        match max {
            None if self.settings.max_concurrency.is_some() => Ok(self.settings.max_concurrency),
            None => Err(format!(
                "function {name}: CapacityProviderConfig has no \
                 PerExecutionEnvironmentMaxConcurrency; Lambda's default depends on the runtime \
                 and the instance's vCPUs: set it, or pass --max-concurrency N"
            )),
            Some(n) => match n.parse::<usize>() {
                Ok(n @ 1..=1600) => Ok(Some(n)),
                _ => Err(format!(
                    "function {name}: CapacityProviderConfig.PerExecutionEnvironmentMaxConcurrency \
                     {n:?} is not a whole number from 1 to 1600"
                )),
            },
        }
    }

    /// One entry of `Layers`: `!Ref` to a layer of the template, or an ARN that `--layer`
    /// maps to a folder.
    fn layer(&self, function: &str, layer: &Value) -> Result<PathBuf, String> {
        if let Some(target) = self.ref_name(layer) {
            if let Some(resource) = self.resources.get(target) {
                let props = properties(resource);
                let content = match resource.get("Type").and_then(Value::as_str) {
                    Some("AWS::Serverless::LayerVersion") => props.get("ContentUri"),
                    Some("AWS::Lambda::LayerVersion") => props.get("Content"),
                    _ => {
                        return Err(format!(
                            "function {function}: Layers names {target}, which is not a layer"
                        ))
                    }
                };
                return self.local_dir(target, "the layer's content", content);
            }
        }
        let arn = self.string(layer)?;
        self.settings.layers.get(&arn).cloned().ok_or_else(|| {
            format!(
                "function {function}: the layer {arn} is not in the template; map it to a local \
                 folder with --layer {arn}=DIR (the folder holds what the layer's zip does: \
                 nodejs/, python/, bin/)"
            )
        })
    }

    /// A local folder named by `CodeUri` or a layer's `ContentUri`, relative to the template.
    fn local_dir(&self, name: &str, what: &str, value: Option<&Value>) -> Result<PathBuf, String> {
        let value = value.ok_or_else(|| format!("{name} has no {what}"))?;
        let relative = match value {
            Value::Object(o) if o.contains_key("Bucket") || o.contains_key("S3Bucket") => {
                return Err(format!(
                    "{name}: {what} is in S3; local-gateway runs local code: point it at a folder"
                ))
            }
            other => self.string(other)?,
        };
        let dir = self.dir.join(&relative);
        if !dir.is_dir() {
            return Err(format!(
                "{name}: {what} {relative} is not a folder next to the template ({})",
                dir.display()
            ));
        }
        dir.canonicalize()
            .map_err(|e| format!("{name}: {what} {}: {e}", dir.display()))
    }
}
