//! A function's `Runtime`: which names local-gateway runs, in which language and version, and
//! which Lambda has deprecated. How each language's process starts is local-gateway's
//! `runtimes` module.

/// The languages local-gateway runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `provided.al2023`, `provided.al2`: a binary of this workspace (`bootstrap`).
    Rust,
    Node,
    Python,
}

/// A function's `Runtime`, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// As the template names it, e.g. `nodejs22.x`.
    pub name: String,
    pub language: Language,
    /// Node's major version (`22`) or Python's minor (`12` for `python3.12`); 0 for `provided`.
    pub version: u32,
    /// Lambda no longer updates it: it runs, with one line of notice.
    pub deprecated: bool,
}

/// Runtimes Lambda has deprecated that still run here (many templates still name them).
const DEPRECATED: [&str; 11] = [
    "nodejs20.x",
    "nodejs18.x",
    "nodejs16.x",
    "nodejs14.x",
    "nodejs12.x",
    "python3.9",
    "python3.8",
    "python3.7",
    "python3.6",
    "provided",
    "nodejs10.x",
];

impl Runtime {
    /// Reads a `Runtime` value. `None` (no `Runtime`, as for a `provided` function built by
    /// cargo-lambda) is `provided.al2023`. A runtime local-gateway cannot run is an error that
    /// says what to do.
    pub fn parse(function: &str, name: Option<&str>) -> Result<Runtime, String> {
        let name = name.unwrap_or("provided.al2023");
        let deprecated = DEPRECATED.contains(&name);
        let version = |rest: &str| rest.parse::<u32>().ok();
        let (language, version) = if let Some(v) = name
            .strip_prefix("nodejs")
            .and_then(|r| r.strip_suffix(".x"))
        {
            (
                Language::Node,
                version(v).filter(|v| *v == 22 || *v == 24 || deprecated),
            )
        } else if let Some(v) = name.strip_prefix("python3.") {
            (
                Language::Python,
                version(v).filter(|v| (10..=14).contains(v) || deprecated),
            )
        } else if matches!(name, "provided.al2023" | "provided.al2" | "provided") {
            (Language::Rust, Some(0))
        } else {
            (Language::Rust, None)
        };
        match version {
            Some(version) => Ok(Runtime {
                name: name.to_string(),
                language,
                version,
                deprecated,
            }),
            None => Err(format!(
                "function {function} runs on {name}, which local-gateway cannot run: it runs \
                 nodejs22.x and nodejs24.x, python3.10 to python3.14, and provided.al2023 or \
                 provided.al2 (Rust); run this function with `sam local` (Docker) or deploy it, \
                 or change its Runtime"
            )),
        }
    }

    /// The one line of notice a deprecated runtime gets at start.
    pub fn notice(&self, function: &str) -> Option<String> {
        self.deprecated.then(|| {
            format!(
                "function {function}: {} is deprecated on Lambda (no more updates, and new \
                 functions cannot be created on it); it runs here as it is",
                self.name
            )
        })
    }
}
