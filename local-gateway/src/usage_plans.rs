//! REST usage plans, as API Gateway applies them to a method with `ApiKeyRequired`: the key
//! (from `x-api-key`, or the authorizer's `usageIdentifierKey` with `ApiKeySourceType:
//! AUTHORIZER`) must be an enabled API key in a plan of the API's stage, else 403 `Forbidden`;
//! the plan's token bucket (or the method's own, from `ApiStages[].Throttle`) answers 429 `Too
//! Many Requests`, its quota 429 `Limit Exceeded`. Only requests that reach the integration
//! count. Quotas run over calendar UTC periods (days from 00:00, weeks from Sunday, months from
//! the 1st); `Offset` requests are taken off the limit in the period local-gateway starts in.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub use sam_template::usage_plans::{ApiKey, Period, PlanStage, Quota, UsagePlan, UsagePlans};

/// The header API Gateway reads keys from with `ApiKeySourceType: HEADER`.
pub const API_KEY_HEADER: &str = "x-api-key";

/// What the usage plans say about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Counted: on to the integration.
    Admitted {
        plan: String,
        quota_left: Option<u64>,
    },
    /// 403: no key, or not an enabled key in a plan of this stage (the reason is for the log).
    Forbidden(&'static str),
    /// 429 `Too Many Requests`.
    Throttled { plan: String },
    /// 429 `Limit Exceeded`.
    LimitExceeded { plan: String },
}

impl Admission {
    /// For the request's log line.
    pub fn describe(&self) -> String {
        match self {
            Admission::Admitted {
                plan,
                quota_left: Some(left),
            } => format!("plan={plan} quota_left={left}"),
            Admission::Admitted { plan, .. } => format!("plan={plan} quota=none"),
            Admission::Forbidden(why) => format!("api_key={why}"),
            Admission::Throttled { plan } => format!("plan={plan} throttled"),
            Admission::LimitExceeded { plan } => format!("plan={plan} quota_exceeded"),
        }
    }
}

/// One key's use of one plan.
#[derive(Default)]
struct Use {
    /// Per throttle scope (the plan's, or a method's): its bucket (`Throttle::take`).
    buckets: HashMap<String, Option<(f64, Instant)>>,
    /// The quota period counted, and the requests counted in it.
    period: i64,
    used: u64,
}

/// The plans and what each key has used of them.
pub struct Meter {
    plans: UsagePlans,
    /// Keys created at run time (`runtime_keys`), replaced whole at each look; the template's
    /// keys come first.
    runtime_keys: RwLock<Vec<ApiKey>>,
    /// The period local-gateway started in, per period kind: `Offset` applies there.
    started: SystemTime,
    uses: Mutex<HashMap<(usize, String), Use>>,
}

impl Meter {
    pub fn new(plans: UsagePlans) -> Meter {
        Meter {
            plans,
            runtime_keys: RwLock::default(),
            started: SystemTime::now(),
            uses: Mutex::default(),
        }
    }

    /// The template's plans.
    pub fn plans(&self) -> &[UsagePlan] {
        &self.plans.plans
    }

    /// Replaces the keys created at run time; `plans` index the template's plans.
    pub fn set_runtime_keys(&self, keys: Vec<ApiKey>) {
        *self.runtime_keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
    }

    /// The key whose value is `value`: its `enabled` and its plans.
    fn key(&self, value: &str) -> Option<(bool, Vec<usize>)> {
        let found = |k: &ApiKey| (k.value == value).then(|| (k.enabled, k.plans.clone()));
        self.plans.keys.iter().find_map(found).or_else(|| {
            let runtime = self.runtime_keys.read().unwrap_or_else(|e| e.into_inner());
            runtime.iter().find_map(found)
        })
    }

    /// Admits one request to `api`'s `stage` for the method `resource_method`
    /// (`/tasks/{id}/GET`) with `key`, at `now`, counting it when admitted.
    pub fn admit(
        &self,
        api: &str,
        stage: &str,
        resource_method: &str,
        key: Option<&str>,
        now: SystemTime,
    ) -> Admission {
        let Some(value) = key.filter(|k| !k.is_empty()) else {
            return Admission::Forbidden("missing");
        };
        let Some((enabled, plans)) = self.key(value) else {
            return Admission::Forbidden("unknown");
        };
        if !enabled {
            return Admission::Forbidden("disabled");
        }
        let Some((index, plan, stage)) = plans.iter().find_map(|&i| {
            let plan = &self.plans.plans[i];
            plan.stages
                .iter()
                .find(|s| s.api == api && s.stage == stage)
                .map(|s| (i, plan, s))
        }) else {
            return Admission::Forbidden("in_no_plan_of_this_stage");
        };
        let mut uses = self.uses.lock().unwrap();
        let used = uses.entry((index, value.to_string())).or_default();
        let (scope, throttle) = match stage.method_throttles.get(resource_method) {
            Some(throttle) => (resource_method, Some(*throttle)),
            None => ("", plan.throttle),
        };
        if let Some(throttle) = throttle {
            let bucket = used.buckets.entry(scope.to_string()).or_default();
            if !throttle.take(bucket, Instant::now()) {
                return Admission::Throttled {
                    plan: plan.name.clone(),
                };
            }
        }
        let quota_left = match plan.quota {
            None => None,
            Some(quota) => {
                let period = period_start(quota.period, now);
                if used.period != period {
                    used.period = period;
                    used.used = 0;
                }
                let limit = if period == period_start(quota.period, self.started) {
                    quota.limit.saturating_sub(quota.offset)
                } else {
                    quota.limit
                };
                if used.used >= limit {
                    return Admission::LimitExceeded {
                        plan: plan.name.clone(),
                    };
                }
                used.used += 1;
                Some(limit - used.used)
            }
        };
        Admission::Admitted {
            plan: plan.name.clone(),
            quota_left,
        }
    }
}

/// The start of `now`'s calendar period in UTC, in days since the epoch.
fn period_start(period: Period, now: SystemTime) -> i64 {
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    match period {
        Period::Day => days,
        // 1970-01-01 was a Thursday: four days after a Sunday.
        Period::Week => days - (days + 4).rem_euclid(7),
        Period::Month => {
            let (_, _, day) = authorizer::date::civil_from_days(days);
            days - (day - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Throttle;
    use std::collections::BTreeMap;
    use std::time::Duration;

    const DAY: u64 = 86_400;

    fn at(days: u64, seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(days * DAY + seconds)
    }

    #[test]
    fn periods_are_calendar_utc_days_weeks_from_sunday_and_months_from_the_first() {
        // 2026-12-05 is day 20,792, a Saturday.
        let saturday = 20_792;
        assert_eq!(
            period_start(Period::Day, at(saturday, DAY - 1)),
            saturday as i64
        );
        assert_eq!(
            period_start(Period::Week, at(saturday, 0)),
            saturday as i64 - 6
        );
        assert_eq!(
            period_start(Period::Week, at(saturday + 1, 0)),
            saturday as i64 + 1
        );
        assert_eq!(
            period_start(Period::Month, at(saturday, 0)),
            saturday as i64 - 4
        );
    }

    fn meter(quota: Option<Quota>, throttle: Option<Throttle>) -> Meter {
        Meter::new(UsagePlans {
            plans: vec![UsagePlan {
                name: "Free".into(),
                stages: vec![PlanStage {
                    api: "Api".into(),
                    stage: "prod".into(),
                    method_throttles: BTreeMap::from([(
                        "/slow/GET".to_string(),
                        Throttle {
                            rate: 0.001,
                            burst: 1.0,
                        },
                    )]),
                }],
                throttle,
                quota,
            }],
            keys: vec![
                ApiKey {
                    name: "k".into(),
                    value: "org_2tenant00000000000000000001".into(),
                    enabled: true,
                    plans: vec![0],
                },
                ApiKey {
                    name: "off".into(),
                    value: "org_2disabled000000000000000001".into(),
                    enabled: false,
                    plans: vec![0],
                },
            ],
        })
    }

    #[test]
    fn a_quota_counts_admitted_requests_and_resets_with_the_period() {
        let quota = Quota {
            limit: 2,
            period: Period::Day,
            offset: 0,
        };
        let meter = meter(Some(quota), None);
        let key = Some("org_2tenant00000000000000000001");
        let now = SystemTime::now();
        let admit = |at| meter.admit("Api", "prod", "/tasks/GET", key, at);
        assert!(matches!(
            admit(now),
            Admission::Admitted {
                quota_left: Some(1),
                ..
            }
        ));
        assert!(matches!(
            admit(now),
            Admission::Admitted {
                quota_left: Some(0),
                ..
            }
        ));
        assert!(matches!(admit(now), Admission::LimitExceeded { .. }));
        let tomorrow = now + Duration::from_secs(DAY);
        assert!(matches!(
            admit(tomorrow),
            Admission::Admitted {
                quota_left: Some(1),
                ..
            }
        ));
    }

    #[test]
    fn the_offset_is_taken_off_the_first_period_only() {
        let quota = Quota {
            limit: 3,
            period: Period::Day,
            offset: 2,
        };
        let meter = meter(Some(quota), None);
        let key = Some("org_2tenant00000000000000000001");
        let now = SystemTime::now();
        assert!(matches!(
            meter.admit("Api", "prod", "/t/GET", key, now),
            Admission::Admitted {
                quota_left: Some(0),
                ..
            }
        ));
        let later = now + Duration::from_secs(DAY);
        assert!(matches!(
            meter.admit("Api", "prod", "/t/GET", key, later),
            Admission::Admitted {
                quota_left: Some(2),
                ..
            }
        ));
    }

    #[test]
    fn a_method_throttle_overrides_the_plans_and_every_bad_key_is_forbidden() {
        let generous = Throttle {
            rate: 1000.0,
            burst: 1000.0,
        };
        let meter = meter(None, Some(generous));
        let key = Some("org_2tenant00000000000000000001");
        let now = SystemTime::now();
        assert!(matches!(
            meter.admit("Api", "prod", "/slow/GET", key, now),
            Admission::Admitted { .. }
        ));
        assert!(matches!(
            meter.admit("Api", "prod", "/slow/GET", key, now),
            Admission::Throttled { .. }
        ));
        assert!(matches!(
            meter.admit("Api", "prod", "/fast/GET", key, now),
            Admission::Admitted { .. }
        ));
        for (key, why) in [
            (None, "missing"),
            (Some("org_2nobody0000000000000000001"), "unknown"),
            (Some("org_2disabled000000000000000001"), "disabled"),
        ] {
            assert_eq!(
                meter.admit("Api", "prod", "/t/GET", key, now),
                Admission::Forbidden(why)
            );
        }
        assert_eq!(
            meter.admit("Api", "staging", "/t/GET", key, now),
            Admission::Forbidden("in_no_plan_of_this_stage")
        );
        assert_eq!(
            meter.admit("Other", "prod", "/t/GET", key, now),
            Admission::Forbidden("in_no_plan_of_this_stage")
        );
    }
}
