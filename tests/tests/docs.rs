//! The repository's own words stay true: facts that docs and settings state about the code,
//! checked against the code, so a stale line fails here rather than in an adopter's hands.

use std::fs;

fn read(path: &str) -> String {
    fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn markdown_tables_are_never_broken_by_a_blank_line() {
    let docs = fs::read_dir(format!("{}/../docs", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut files: Vec<String> = docs
        .map(|e| format!("docs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    files.extend(["README.md", "ARCHITECTURE.md", "BENCHMARKS.md"].map(String::from));
    for file in files {
        let text = read(&file);
        let lines: Vec<&str> = text.lines().collect();
        for (i, window) in lines.windows(3).enumerate() {
            let broken = window[0].starts_with('|')
                && window[1].trim().is_empty()
                && window[2].starts_with('|')
                && !window[2].contains("---")
                && !lines.get(i + 3).is_some_and(|l| l.starts_with("|--"));
            assert!(!broken, "{file}:{}: a blank line splits a table", i + 2);
        }
    }
}

#[test]
fn the_fuzz_targets_counted_in_the_docs_are_the_fuzz_crates() {
    let targets = read("fuzz/Cargo.toml").matches("[[bin]]").count();
    let word = [
        "zero", "one", "two", "three", "four", "five", "six", "seven",
    ][targets];
    let operations = read("docs/operations.md");
    assert!(
        operations.contains(&format!("runs {word} targets")),
        "docs/operations.md should say it runs {word} targets"
    );
    assert!(read("ARCHITECTURE.md").contains(&format!("{word} cargo-fuzz targets")));
}

#[test]
fn settings_an_adopter_runs_into_are_present() {
    // The sample nests the standalone stack, which `sam deploy` expands only with this.
    assert!(read("samconfig.toml").contains("CAPABILITY_AUTO_EXPAND"));
    // Two binaries in local-gateway: `cargo run -p local-gateway` must pick the gateway.
    assert!(read("local-gateway/Cargo.toml").contains("default-run = \"local-gateway\""));
    // The authorizer's package is clerk-apigw-authorizer; `-p authorizer` builds nothing.
    for file in [
        "BENCHMARKS.md",
        "README.md",
        "docs/deploy.md",
        "scripts/package",
    ] {
        assert!(!read(file).contains("-p authorizer`"), "{file}");
        assert!(!read(file).contains("-p authorizer "), "{file}");
    }
    // No function swap any more: nothing points at the second function or binary.
    for file in [
        "README.md",
        "docs/deploy.md",
        "docs/clerk-api.md",
        "docs/configuration.md",
        "authorizer/README.md",
        "ARCHITECTURE.md",
    ] {
        let mut text = read(file);
        // The upgrade note names the old function once, on purpose.
        if let Some(start) = text.find("**Upgrading from 0.2:**") {
            let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e);
            text.replace_range(start..end, "");
        }
        assert!(!text.contains("NetworkedAuthorizerFunction"), "{file}");
        assert!(!text.contains("authorizer-networked"), "{file}");
    }
    // The API key's context names its id, and the docs list api_key with the token types.
    let configuration = read("docs/configuration.md");
    assert!(configuration.contains("`api_key`"));
    assert!(read("docs/clerk-api.md").contains("`key_id`"));
}
