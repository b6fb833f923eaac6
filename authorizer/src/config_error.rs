//! The one error type of configuration: which variable, and what to do about it. Its own
//! module so that every settings reader (`config`, `clerk_settings`, `network`) can use it
//! without depending on the others.

use std::fmt;

/// A setting that cannot be used, and why.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable at fault, e.g. `CLERK_JWT_KEY`.
    pub variable: &'static str,
    /// What is wrong with it and what to do, never quoting key material.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.variable, self.problem)
    }
}

/// The same text as `Display`: `main` returning this error prints its `Debug` form at init.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ConfigError {}
