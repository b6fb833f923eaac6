//! Lambda's `REPORT` record after each invocation, for every runtime: a text line, or a
//! `platform.report` JSON record when the function's `LogFormat` is JSON. Billed duration counts
//! the init phase on a cold start (Lambda bills it since August 2025); `Max Memory Used` is the
//! process's peak resident set, against the template's `MemorySize`.

use std::time::Duration;

use serde_json::json;

use crate::template::LogFormat;

/// One invocation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub request_id: String,
    pub duration: Duration,
    /// On a cold start: from the process's start to its first `/next`.
    pub init: Option<Duration>,
    pub memory_mb: u32,
    pub max_memory_mb: Option<u64>,
    /// `None` for a success; `error`, `timeout` or `failure` otherwise.
    pub status: Option<&'static str>,
}

impl Report {
    /// Whole milliseconds billed: duration and init, rounded up.
    pub fn billed_ms(&self) -> u64 {
        let total = self.duration + self.init.unwrap_or_default();
        total.as_micros().div_ceil(1000) as u64
    }

    /// The record as Lambda writes it in `format`.
    pub fn record(&self, format: LogFormat) -> String {
        let ms = |d: Duration| (d.as_secs_f64() * 100_000.0).round() / 100.0;
        let used = self.max_memory_mb.unwrap_or(0);
        match format {
            LogFormat::Text => {
                let mut line = format!(
                    "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {used} MB",
                    self.request_id,
                    ms(self.duration),
                    self.billed_ms(),
                    self.memory_mb,
                );
                if let Some(init) = self.init {
                    line += &format!("\tInit Duration: {:.2} ms", ms(init));
                }
                if let Some(status) = self.status {
                    line += &format!("\tStatus: {status}");
                }
                line
            }
            LogFormat::Json => {
                let mut metrics = json!({
                    "durationMs": ms(self.duration),
                    "billedDurationMs": self.billed_ms(),
                    "memorySizeMB": self.memory_mb,
                    "maxMemoryUsedMB": used,
                });
                if let Some(init) = self.init {
                    metrics["initDurationMs"] = json!(ms(init));
                }
                json!({
                    "time": now_iso(),
                    "type": "platform.report",
                    "record": {
                        "requestId": self.request_id,
                        "metrics": metrics,
                        "status": self.status.unwrap_or("success"),
                    }
                })
                .to_string()
            }
        }
    }
}

/// Now as `2026-12-05T12:00:00.000Z`.
fn now_iso() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = authorizer::date::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// A process's peak resident set in MB (`VmHWM` in `/proc/<pid>/status`), rounded up.
pub fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(init: Option<Duration>) -> Report {
        Report {
            request_id: "r".into(),
            duration: Duration::from_micros(12_341),
            init,
            memory_mb: 128,
            max_memory_mb: Some(40),
            status: None,
        }
    }

    #[test]
    fn text_and_json_records_bill_the_init_phase() {
        let warm = report(None);
        assert_eq!(
            warm.record(LogFormat::Text),
            "REPORT RequestId: r\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB"
        );
        let cold = report(Some(Duration::from_micros(100_500)));
        assert!(cold.record(LogFormat::Text).ends_with("Billed Duration: 113 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 100.50 ms"));
        let record: serde_json::Value =
            serde_json::from_str(&cold.record(LogFormat::Json)).unwrap();
        assert_eq!(record["type"], "platform.report");
        assert_eq!(record["record"]["metrics"]["billedDurationMs"], 113);
        assert_eq!(record["record"]["metrics"]["initDurationMs"], 100.5);
        assert_eq!(record["record"]["status"], "success");
    }

    #[test]
    fn this_process_has_a_peak() {
        assert!(peak_memory_mb(std::process::id()).is_some_and(|mb| mb > 0));
    }
}
