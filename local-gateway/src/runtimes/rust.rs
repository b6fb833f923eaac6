//! `provided.al2023` and `provided.al2`: a binary of this workspace, run as Lambda runs
//! `bootstrap` (built for the host, since `sam build`'s are arm64).

use std::collections::BTreeMap;
use std::path::Path;

use super::Launch;
use crate::template::{Code, Function};

pub(super) fn launch(function: &Function, bin_dir: &Path) -> Result<Launch, String> {
    let Code::Binary(name) = &function.code else {
        return Err(format!(
            "function {}: a provided runtime runs a binary",
            function.name
        ));
    };
    let binary = bin_dir.join(name);
    if !binary.is_file() {
        return Err(format!(
            "function {}: {} does not exist; build it (cargo build --bin {name}, with --release \
             for target/release) or pass --bin-dir",
            function.name,
            binary.display(),
        ));
    }
    Ok(Launch {
        program: binary,
        args: Vec::new(),
        environment: BTreeMap::new(),
        dir: None,
    })
}
