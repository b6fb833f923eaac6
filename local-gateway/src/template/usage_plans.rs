//! `AWS::ApiGateway::UsagePlan`, `ApiKey` and `UsagePlanKey` → `UsagePlans`. A key in two plans
//! that cover one stage is refused, as API Gateway refuses it; so is any property that would
//! change the answers and is not emulated.

use super::*;
use crate::usage_plans::{ApiKey, Period, PlanStage, Quota, UsagePlan, UsagePlans};

const PLAN_PROPERTIES: [&str; 4] = ["ApiStages", "Throttle", "Quota", "UsagePlanName"];
const KEY_PROPERTIES: [&str; 3] = ["Value", "Enabled", "Name"];
const KEY_PLAN_PROPERTIES: [&str; 3] = ["KeyId", "KeyType", "UsagePlanId"];

impl Reader<'_> {
    /// Every usage plan and API key of the template.
    pub(super) fn usage_plans(&self, apis: &[Api]) -> Result<UsagePlans, String> {
        let mut plans = UsagePlans::default();
        let mut plan_index = BTreeMap::new();
        for (name, resource) in self.of_type("AWS::ApiGateway::UsagePlan") {
            let plan = self
                .usage_plan(name, resource, apis)
                .map_err(|e| format!("usage plan {name}: {e}"))?;
            plan_index.insert(name.as_str(), plans.plans.len());
            plans.plans.push(plan);
        }
        // SAM's Auth.UsagePlan: a plan per API, and one shared by the APIs that say SHARED.
        let mut shared: Option<usize> = None;
        for sam in apis.iter().filter_map(|a| a.sam_usage_plan.as_ref()) {
            match shared.filter(|_| sam.shared) {
                Some(index) => plans.plans[index].stages.extend(sam.plan.stages.clone()),
                None => {
                    if sam.shared {
                        shared = Some(plans.plans.len());
                    }
                    plans.plans.push(sam.plan.clone());
                }
            }
        }
        let mut key_index = BTreeMap::new();
        for (name, resource) in self.of_type("AWS::ApiGateway::ApiKey") {
            let key = self
                .api_key(name, resource)
                .map_err(|e| format!("API key {name}: {e}"))?;
            if plans.keys.iter().any(|k| k.value == key.value) {
                return Err(format!(
                    "API key {name}: another key has the same Value; API Gateway keeps key values \
                     unique per account and region"
                ));
            }
            key_index.insert(name.as_str(), plans.keys.len());
            plans.keys.push(key);
        }
        for (name, resource) in self.of_type("AWS::ApiGateway::UsagePlanKey") {
            self.known_properties(
                &format!("usage plan key {name}"),
                resource,
                &KEY_PLAN_PROPERTIES,
                &[],
            )?;
            let props = properties(resource);
            let named = |key: &str, index: &BTreeMap<&str, usize>, what: &str| {
                props
                    .get(key)
                    .and_then(|v| self.ref_name(v))
                    .and_then(|n| index.get(n).copied())
                    .ok_or_else(|| format!("usage plan key {name}: {key} must be !Ref to an {what} of this template"))
            };
            let key = named("KeyId", &key_index, "AWS::ApiGateway::ApiKey")?;
            let plan = named("UsagePlanId", &plan_index, "AWS::ApiGateway::UsagePlan")?;
            if let Some(kind) = props.get("KeyType") {
                if self.string(kind)? != "API_KEY" {
                    return Err(format!("usage plan key {name}: KeyType must be API_KEY"));
                }
            }
            // API Gateway allows a key in one plan per API stage.
            for &other in &plans.keys[key].plans {
                let shared = plans.plans[plan].stages.iter().find(|s| {
                    plans.plans[other]
                        .stages
                        .iter()
                        .any(|o| o.api == s.api && o.stage == s.stage)
                });
                if let Some(stage) = shared {
                    return Err(format!(
                        "usage plan key {name}: API key {} is already in usage plan {}, which also \
                         covers {} stage {}; API Gateway allows a key in only one plan per stage",
                        plans.keys[key].name, plans.plans[other].name, stage.api, stage.stage
                    ));
                }
            }
            plans.keys[key].plans.push(plan);
        }
        Ok(plans)
    }

    fn usage_plan(&self, name: &str, resource: &Value, apis: &[Api]) -> Result<UsagePlan, String> {
        self.known_properties("it", resource, &PLAN_PROPERTIES, &["Description", "Tags"])?;
        let props = properties(resource);
        let mut stages = Vec::new();
        for stage in props
            .get("ApiStages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            stages.push(self.plan_stage(stage, apis)?);
        }
        if stages.is_empty() {
            return Err("it has no ApiStages: it would meter nothing".into());
        }
        let quota = props.get("Quota").map(|q| self.quota(q)).transpose()?;
        Ok(UsagePlan {
            name: props
                .get("UsagePlanName")
                .map(|n| self.string(n))
                .transpose()?
                .unwrap_or_else(|| name.to_string()),
            stages,
            throttle: props
                .get("Throttle")
                .map(|t| self.plan_throttle(t))
                .transpose()?,
            quota,
        })
    }

    /// One `ApiStages` entry: `ApiId` is `!Ref` a REST API, `Stage` its stage's name (or `!Ref`
    /// its `AWS::ApiGateway::Stage`).
    fn plan_stage(&self, stage: &Value, apis: &[Api]) -> Result<PlanStage, String> {
        for key in stage.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !matches!(key.as_str(), "ApiId" | "Stage" | "Throttle") {
                return Err(format!(
                    "ApiStages: {key} is not supported by local-gateway"
                ));
            }
        }
        let api = stage
            .get("ApiId")
            .and_then(|v| self.ref_name(v))
            .filter(|n| apis.iter().any(|a| a.name == *n && a.kind == ApiKind::Rest))
            .ok_or("ApiStages: ApiId must be !Ref a REST API of this template")?;
        let stage_name = match stage.get("Stage") {
            Some(value) => match self.ref_name(value).and_then(|n| self.resources.get(n)) {
                Some(resource) => self.string(
                    properties(resource)
                        .get("StageName")
                        .ok_or("ApiStages: the Stage it names has no StageName")?,
                )?,
                None => self.string(value)?,
            },
            None => return Err("ApiStages: an entry has no Stage".into()),
        };
        let mut method_throttles = BTreeMap::new();
        for (method, throttle) in stage
            .get("Throttle")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if !method.starts_with('/') || !method.contains('/') {
                return Err(format!(
                    "ApiStages: Throttle key {method:?} is not /resource/path/METHOD"
                ));
            }
            method_throttles.insert(method.clone(), self.plan_throttle(throttle)?);
        }
        Ok(PlanStage {
            api: api.to_string(),
            stage: stage_name,
            method_throttles,
        })
    }

    fn quota(&self, quota: &Value) -> Result<Quota, String> {
        let limit = self.count(quota, "Limit")?.ok_or("Quota has no Limit")?;
        let named = quota.get("Period").map(|p| self.string(p)).transpose()?;
        let period = named
            .as_deref()
            .and_then(Period::from_api_name)
            .ok_or_else(|| format!("Quota.Period {named:?} is not DAY, WEEK or MONTH"))?;
        let offset = self.count(quota, "Offset")?.unwrap_or(0);
        Ok(Quota {
            limit,
            period,
            offset,
        })
    }

    /// SAM's `Auth.UsagePlan` of API `api` (its stage `stage`): the plan SAM makes, or `None`
    /// for `CreateUsagePlan: NONE`. SAM names a `PER_API` plan `<Api>UsagePlan` and the
    /// `SHARED` one `ServerlessUsagePlan`, unless `UsagePlanName` names it.
    pub(super) fn sam_usage_plan(
        &self,
        api: &str,
        stage: &str,
        value: &Value,
    ) -> Result<Option<SamUsagePlan>, String> {
        let props = value.as_object().ok_or("is not a mapping")?;
        for key in props.keys() {
            if !matches!(
                key.as_str(),
                "CreateUsagePlan" | "Description" | "Quota" | "Tags" | "Throttle" | "UsagePlanName"
            ) {
                return Err(format!(
                    "has {key}, which is not supported by local-gateway"
                ));
            }
        }
        let mode = self.string(
            props
                .get("CreateUsagePlan")
                .ok_or("has no CreateUsagePlan")?,
        )?;
        let shared = match mode.as_str() {
            "PER_API" => false,
            "SHARED" => true,
            "NONE" => return Ok(None),
            other => {
                return Err(format!(
                    "CreateUsagePlan {other:?} is not PER_API, SHARED or NONE"
                ))
            }
        };
        let name = match props.get("UsagePlanName") {
            Some(name) => self.string(name)?,
            None if shared => "ServerlessUsagePlan".to_string(),
            None => format!("{api}UsagePlan"),
        };
        Ok(Some(SamUsagePlan {
            shared,
            plan: UsagePlan {
                name,
                stages: vec![PlanStage {
                    api: api.to_string(),
                    stage: stage.to_string(),
                    method_throttles: BTreeMap::new(),
                }],
                throttle: props
                    .get("Throttle")
                    .map(|t| self.plan_throttle(t))
                    .transpose()?,
                quota: props.get("Quota").map(|q| self.quota(q)).transpose()?,
            },
        }))
    }

    fn plan_throttle(&self, value: &Value) -> Result<Throttle, String> {
        let number = |key: &str| -> Result<f64, String> {
            let text = self.string(
                value
                    .get(key)
                    .ok_or_else(|| format!("Throttle has no {key}"))?,
            )?;
            text.parse::<f64>()
                .ok()
                .filter(|n| *n >= 0.0)
                .ok_or_else(|| format!("Throttle.{key} {text:?} is not a number of requests"))
        };
        Ok(Throttle {
            rate: number("RateLimit")?,
            burst: number("BurstLimit")?,
        })
    }

    fn count(&self, value: &Value, key: &str) -> Result<Option<u64>, String> {
        value
            .get(key)
            .map(|v| {
                let text = self.string(v)?;
                text.parse::<u64>()
                    .map_err(|_| format!("Quota.{key} {text:?} is not a whole number"))
            })
            .transpose()
    }

    fn api_key(&self, name: &str, resource: &Value) -> Result<ApiKey, String> {
        self.known_properties(
            "it",
            resource,
            &KEY_PROPERTIES,
            &["Description", "Tags", "CustomerId"],
        )
        .map_err(|e| format!("{e} (StageKeys and GenerateDistinctId are not emulated)"))?;
        let props = properties(resource);
        let value = self.string(props.get("Value").ok_or(
            "it has no Value; give it one (local-gateway cannot show you the value AWS would generate)",
        )?)?;
        if value.len() < 20 {
            return Err(
                "its Value is shorter than 20 characters, which API Gateway refuses".into(),
            );
        }
        let enabled = self.flag(props, "Enabled")?;
        Ok(ApiKey {
            name: props
                .get("Name")
                .map(|n| self.string(n))
                .transpose()?
                .unwrap_or_else(|| name.to_string()),
            value,
            enabled,
            plans: Vec::new(),
        })
    }
}
