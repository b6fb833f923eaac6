//! Where a function's layers go. Lambda unpacks them into `/opt`, in order, a later layer's files
//! over an earlier one's; locally each layer stays in its own folder and the search paths list
//! the later layers first, so the same file wins.

use std::path::{Path, PathBuf};

/// Node's module folders in the layers (`nodejs/nodeNN/node_modules`, `nodejs/node_modules`).
pub(super) fn node_paths(layers: &[PathBuf], major: u32) -> Vec<PathBuf> {
    existing(
        layers,
        &[
            &format!("nodejs/node{major}/node_modules"),
            "nodejs/node_modules",
        ],
    )
}

/// Python's import folders in the layers (`python/lib/python3.N/site-packages`, `python`).
pub(super) fn python_paths(layers: &[PathBuf], minor: u32) -> Vec<PathBuf> {
    existing(
        layers,
        &[
            &format!("python/lib/python3.{minor}/site-packages"),
            "python",
        ],
    )
}

/// `PATH` with each layer's `bin` after the machine's (Lambda's PATH ends with `/opt/bin`).
pub(super) fn path(layers: &[PathBuf]) -> String {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(existing(layers, &["bin"]));
    std::env::join_paths(dirs)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file at `inner` of Lambda's `/opt`: the last layer's that has it.
pub(super) fn opt_file(layers: &[PathBuf], inner: &str) -> Option<PathBuf> {
    layers
        .iter()
        .rev()
        .map(|layer| layer.join(inner))
        .find(|file| file.is_file())
}

fn existing(layers: &[PathBuf], subdirs: &[&str]) -> Vec<PathBuf> {
    layers
        .iter()
        .rev()
        .flat_map(|layer| subdirs.iter().map(move |sub| layer.join(sub)))
        .filter(|dir| dir.is_dir())
        .collect()
}

/// Folders joined as a search path.
pub(super) fn join(dirs: impl IntoIterator<Item = impl AsRef<Path>>) -> String {
    dirs.into_iter()
        .map(|d| d.as_ref().display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_come_first_and_missing_folders_are_left_out() {
        let root = std::env::temp_dir().join(format!("layers-{}", std::process::id()));
        for dir in [
            "a/nodejs/node_modules",
            "b/nodejs/node22/node_modules",
            "b/nodejs/node_modules",
            "a/python",
            "b/python/lib/python3.12/site-packages",
            "b/bin",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        let layers = [root.join("a"), root.join("b")];
        assert_eq!(
            node_paths(&layers, 22),
            [
                root.join("b/nodejs/node22/node_modules"),
                root.join("b/nodejs/node_modules"),
                root.join("a/nodejs/node_modules"),
            ]
        );
        assert_eq!(
            python_paths(&layers, 12),
            [
                root.join("b/python/lib/python3.12/site-packages"),
                root.join("b/python"),
                root.join("a/python"),
            ]
        );
        assert!(path(&layers).ends_with(&format!(":{}", root.join("b/bin").display())));
        std::fs::remove_dir_all(root).unwrap();
    }
}
