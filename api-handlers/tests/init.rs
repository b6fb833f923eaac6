//! The tasks binary refuses to start without its table: it exits at init with a message that
//! names the variable.

use std::process::Command;

#[test]
fn a_missing_table_name_stops_the_tasks_function_at_init() {
    for env in [vec![], vec![("TASKS_TABLE", " ")]] {
        let output = Command::new(env!("CARGO_BIN_EXE_tasks"))
            .env_clear()
            .envs(env)
            .env("AWS_REGION", "us-east-1")
            // No Runtime API: a process that got past init would fail differently, and later.
            .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
            .output()
            .expect("the tasks binary runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(text.contains("TASKS_TABLE is not set"), "{text}");
    }
}
