//! `AWS::ApiGateway::UsagePlan`, `ApiKey` and `UsagePlanKey` → `UsagePlans`, the plain values
//! local-gateway's meter applies. A key in two plans that cover one stage is refused, as API
//! Gateway refuses it; so is any property that would change the answers and is not emulated.

use super::*;

/// A quota's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// API Gateway's name of it (`Quota.Period`): `DAY`, `WEEK` or `MONTH`.
    pub fn api_name(self) -> &'static str {
        match self {
            Period::Day => "DAY",
            Period::Week => "WEEK",
            Period::Month => "MONTH",
        }
    }

    /// The period API Gateway names `name`.
    pub fn from_api_name(name: &str) -> Option<Period> {
        [Period::Day, Period::Week, Period::Month]
            .into_iter()
            .find(|p| p.api_name() == name)
    }
}

/// `Quota` of a usage plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub period: Period,
    /// Requests taken off the limit in the first period.
    pub offset: u64,
}

/// One stage a plan covers.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStage {
    /// The API's logical name.
    pub api: String,
    pub stage: String,
    /// `ApiStages[].Throttle`: `/resource/path/METHOD` → the method's own throttle.
    pub method_throttles: BTreeMap<String, Throttle>,
}

/// An `AWS::ApiGateway::UsagePlan`.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlan {
    /// Its `UsagePlanName`, else its logical name.
    pub name: String,
    pub stages: Vec<PlanStage>,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
}

/// An `AWS::ApiGateway::ApiKey`, with the plans its `UsagePlanKey`s put it in.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub name: String,
    pub value: String,
    pub enabled: bool,
    /// Indexes into `UsagePlans::plans`.
    pub plans: Vec<usize>,
}

/// Every plan and key of the template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsagePlans {
    pub plans: Vec<UsagePlan>,
    pub keys: Vec<ApiKey>,
}

impl UsagePlans {
    /// Adds a nested stack's plans and keys; its APIs are named `stack/Api` in the app (`stack`
    /// empty: already named). Key values stay unique, as API Gateway keeps them.
    pub fn merge(&mut self, nested: &UsagePlans, stack: &str) -> Result<(), String> {
        let offset = self.plans.len();
        self.plans
            .extend(nested.plans.iter().cloned().map(|mut plan| {
                for stage in &mut plan.stages {
                    if !stack.is_empty() {
                        stage.api = format!("{stack}/{}", stage.api);
                    }
                }
                plan
            }));
        for key in &nested.keys {
            if self.keys.iter().any(|k| k.value == key.value) {
                return Err(format!(
                    "API key {} of {stack} has the Value of another key; API Gateway keeps key \
                     values unique per account and region",
                    key.name
                ));
            }
            let mut key = key.clone();
            key.plans.iter_mut().for_each(|p| *p += offset);
            self.keys.push(key);
        }
        Ok(())
    }

    /// The start-up lines: each plan's limits, stages and how many keys (never their values).
    pub fn describe(&self) -> Vec<String> {
        self.plans
            .iter()
            .enumerate()
            .map(|(index, plan)| {
                let throttle = plan.throttle.map_or("no throttle".to_string(), |t| {
                    format!("{} requests/s, burst {}", t.rate, t.burst)
                });
                let quota = plan.quota.map_or("no quota".to_string(), |q| {
                    let period = match q.period {
                        Period::Day => "day",
                        Period::Week => "week (from Sunday)",
                        Period::Month => "month",
                    };
                    format!("{} requests per {period} (UTC)", q.limit)
                });
                let stages: Vec<String> =
                    plan.stages.iter().map(|s| format!("{} {}", s.api, s.stage)).collect();
                let keys = self.keys.iter().filter(|k| k.plans.contains(&index));
                let (enabled, disabled) = keys.fold((0, 0), |(e, d), k| if k.enabled { (e + 1, d) } else { (e, d + 1) });
                format!(
                    "usage plan {}: {throttle}, {quota}, on {}; {enabled} enabled API key(s), {disabled} disabled",
                    plan.name,
                    stages.join(", ")
                )
            })
            .collect()
    }
}

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
            .and_then(|n| apis.iter().find(|a| a.name == n && a.kind == ApiKind::Rest))
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
        // CloudFormation refuses a plan on a stage the API does not have; a plan kept here on
        // such a stage would never meter anything, and its keys would get 403 without a reason.
        if stage_name != api.stage {
            return Err(format!(
                "ApiStages: API {} has no stage {stage_name:?} (its stage is {:?})",
                api.name, api.stage
            ));
        }
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
            api: api.name.clone(),
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
            Throttle::number(&text)
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

#[cfg(test)]
mod tests {
    use crate::{App, Settings};

    /// A REST API on stage `prod` with one route, then `resources`.
    fn read(resources: &str) -> Result<App, String> {
        let template = format!(
            "Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {{ StageName: prod }}
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {{ BuildProperties: {{ Binary: tasks }} }}
    Properties:
      Events:
        Get: {{ Type: Api, Properties: {{ RestApiId: !Ref Api, Path: /tasks, Method: GET }} }}
{resources}"
        );
        App::from_template(&template, &Settings::default())
    }

    fn plan(stage: &str, throttle: &str) -> String {
        format!(
            "  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{{ ApiId: !Ref Api, Stage: {stage} }}]
      Throttle: {throttle}
"
        )
    }

    #[test]
    fn a_plan_on_the_apis_stage_is_read() {
        let app = read(&plan("prod", "{ RateLimit: 1.5, BurstLimit: 2 }")).unwrap();
        let plan = &app.usage_plans.plans[0];
        assert_eq!(
            (plan.stages[0].api.as_str(), plan.stages[0].stage.as_str()),
            ("Api", "prod")
        );
        assert_eq!(plan.throttle.map(|t| (t.rate, t.burst)), Some((1.5, 2.0)));
    }

    /// Found by the `usage_plans` fuzz target: a plan on a stage the API does not have was kept,
    /// and never metered anything. CloudFormation refuses it.
    #[test]
    fn a_plan_on_a_stage_the_api_does_not_have_is_refused() {
        let error = read(&plan("p2od", "{ RateLimit: 1, BurstLimit: 2 }")).unwrap_err();
        assert!(error.contains("API Api has no stage \"p2od\""), "{error}");
    }

    #[test]
    fn a_throttle_that_is_not_a_finite_number_is_refused() {
        for number in ["inf", "\"1e999\"", "-1", "NaN"] {
            let error = read(&plan(
                "prod",
                &format!("{{ RateLimit: {number}, BurstLimit: 2 }}"),
            ))
            .unwrap_err();
            assert!(
                error.contains("is not a number of requests"),
                "{number}: {error}"
            );
        }
    }
}
