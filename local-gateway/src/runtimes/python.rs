//! `python3.10` to `python3.14` (and the deprecated ones): the machine's `python3` running our
//! bootstrap (`python_bootstrap.py`, the standard library only). Our own rather than AWS's
//! `awslambdaric`: the handler runs on whatever `python3` the machine has, which is not the
//! project's virtualenv, and a bootstrap that needs nothing installed runs on every one of them.

use std::collections::BTreeMap;

use super::{layers, Host, Interpreter, Language, Launch};
use crate::template::{Code, Function};

/// The bootstrap, written into the scratch directory by `Host::new`.
pub(super) const BOOTSTRAP_FILES: &[(&str, &str)] =
    &[("python_bootstrap.py", include_str!("python_bootstrap.py"))];

pub(super) fn find() -> Option<Interpreter> {
    super::version_of("python3", &["--version"])
}

pub(super) fn launch(function: &Function, host: &Host) -> Result<Launch, String> {
    let python = host
        .interpreter(Language::Python)
        .ok_or("no interpreter for this runtime on PATH")?;
    let Code::Dir(task_root) = &function.code else {
        return Err(format!(
            "function {}: a Python function needs a CodeUri",
            function.name
        ));
    };
    let bootstrap = host.scratch.join(BOOTSTRAP_FILES[0].0);
    // Lambda's sys.path: the task root (the bootstrap puts it first), the layers, the runtime's
    // boto3.
    let mut paths = layers::python_paths(&function.layers, function.runtime.version);
    paths.push(host.sdk.join("python"));
    // Bytecode goes to a folder of this launch, not beside the code (Lambda's /var/task is
    // read-only): a swap by --watch compiles afresh even when an edit keeps the file's size
    // and second, which Python's own staleness check would miss.
    let pycache = host.scratch.join(format!("pycache-{}", host.next_launch()));
    let environment = BTreeMap::from([
        ("PYTHONPATH".to_string(), layers::join(&paths)),
        (
            "PYTHONPYCACHEPREFIX".to_string(),
            pycache.display().to_string(),
        ),
        ("PYTHONUNBUFFERED".to_string(), "1".to_string()),
        ("PATH".to_string(), layers::path(&function.layers)),
    ]);
    Ok(Launch {
        program: python.program.clone(),
        args: vec![bootstrap.display().to_string()],
        environment,
        dir: Some(task_root.clone()),
    })
}
