//! `nodejs22.x`, `nodejs24.x` (and the deprecated ones): the machine's `node` running our
//! bootstrap (`node_bootstrap.mjs`), since AWS's `aws-lambda-ric` needs Node ≥ 22 and a native
//! build. CommonJS handlers find the layers and the SDK through `NODE_PATH`, as on Lambda; ES
//! modules ignore it, so the bootstrap's resolve hook (`node_hooks.mjs`) looks there too.

use std::collections::BTreeMap;

use super::{layers, Host, Interpreter, Language, Launch};
use crate::template::{Code, Function};

/// The bootstrap and its resolve hook, written into the scratch directory by `Host::new`.
pub(super) const BOOTSTRAP_FILES: &[(&str, &str)] = &[
    ("node_bootstrap.mjs", include_str!("node_bootstrap.mjs")),
    ("node_hooks.mjs", include_str!("node_hooks.mjs")),
];

pub(super) fn find() -> Option<Interpreter> {
    super::version_of("node", &["--version"])
}

pub(super) fn launch(function: &Function, host: &Host) -> Result<Launch, String> {
    let node = host
        .interpreter(Language::Node)
        .ok_or("no interpreter for this runtime on PATH")?;
    let Code::Dir(task_root) = &function.code else {
        return Err(format!(
            "function {}: a Node.js function needs a CodeUri",
            function.name
        ));
    };
    let bootstrap = host.scratch.join(BOOTSTRAP_FILES[0].0);
    // Lambda's NODE_PATH: the layers, the runtime's SDK, the task root.
    let mut paths = layers::node_paths(&function.layers, function.runtime.version);
    paths.push(host.sdk.join("nodejs/node_modules"));
    paths.push(task_root.clone());
    let environment = BTreeMap::from([
        ("NODE_PATH".to_string(), layers::join(&paths)),
        ("PATH".to_string(), layers::path(&function.layers)),
    ]);
    Ok(Launch {
        program: node.program.clone(),
        args: vec![bootstrap.display().to_string()],
        environment,
        dir: Some(task_root.clone()),
    })
}
