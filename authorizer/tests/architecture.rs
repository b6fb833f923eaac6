//! The module graph of the library has no cycles (ARCHITECTURE.md): each module's non-test code
//! may use modules "below" it only, so any one of them can be read and tested on its own.

use std::collections::BTreeMap;
use std::path::Path;

/// Module → the modules its non-test code names as `crate::<module>`.
fn edges() -> BTreeMap<String, Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // src/bin: binaries, not library modules
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if ["lib", "main"].contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests may use anything; they sit after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let mut uses: Vec<String> = code
            .match_indices("crate::")
            .map(|(i, _)| {
                code[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .filter(|module| src.join(format!("{module}.rs")).exists() && *module != name)
            .collect();
        uses.sort();
        uses.dedup();
        graph.insert(name, uses);
    }
    graph
}

#[test]
fn the_library_has_no_module_cycles() {
    let graph = edges();
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit<'g>(
        module: &'g str,
        graph: &'g BTreeMap<String, Vec<String>>,
        path: &mut Vec<&'g str>,
        done: &mut Vec<&'g str>,
    ) {
        if done.contains(&module) {
            return;
        }
        if let Some(start) = path.iter().position(|m| *m == module) {
            panic!("module cycle: {} → {module}", path[start..].join(" → "));
        }
        path.push(module);
        for next in &graph[module] {
            visit(next, graph, path, done);
        }
        path.pop();
        done.push(module);
    }
    let mut done = Vec::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
}
