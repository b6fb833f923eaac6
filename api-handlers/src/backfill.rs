//! The backfill: every tenant Clerk knows (organisations and users, page by page) gets the key
//! the webhooks would have given it: enabled, in the usage plan of its Clerk Billing plan (the
//! default plan without one). For tenants that existed before the webhook endpoint, or
//! deliveries Svix gave up on. A key already right is left as it is; a key changed by a webhook
//! after the backfill started is left to that webhook (the same ordering as the provisioner's:
//! the key records the time of the last change applied). Keys of tenants Clerk no longer lists
//! are not touched: their `deleted` events disable them.

use std::collections::BTreeMap;

use crate::clerk_backend::ClerkBackend;
use crate::usage_keys::{PlanNames, UsageKeys};

/// One of Clerk's paged lists of tenant ids: a page from an offset.
type Listing = fn(&ClerkBackend, usize) -> Result<Vec<String>, String>;

/// What the backfill did, or would do with `dry_run`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub tenants: usize,
    pub created: usize,
    /// Moved to another plan, or enabled again.
    pub corrected: usize,
    pub unchanged: usize,
    /// Changed by a webhook since the backfill started: left to it.
    pub newer: usize,
}

/// The backfill's parts.
pub struct Backfill<'a> {
    pub clerk: &'a ClerkBackend,
    pub keys: &'a UsageKeys,
    pub plans: &'a PlanNames,
    /// Report what would change, change nothing.
    pub dry_run: bool,
}

impl Backfill<'_> {
    /// Runs it as of `at` (milliseconds since the epoch, the time recorded on what it changes),
    /// with one line per change to `report`.
    pub fn run(&self, at: i64, report: &mut dyn FnMut(String)) -> Result<Tally, String> {
        let plan_ids = self.keys.plans()?;
        let mut tally = Tally::default();
        let lists: [Listing; 2] = [ClerkBackend::organizations, ClerkBackend::users];
        for list in lists {
            let mut offset = 0;
            loop {
                let page = list(self.clerk, offset)?;
                for tenant in &page {
                    self.one(tenant, &plan_ids, at, &mut tally, report)?;
                }
                if page.len() < self.clerk.page {
                    break;
                }
                offset += page.len();
            }
        }
        Ok(tally)
    }

    fn one(
        &self,
        tenant: &str,
        plan_ids: &BTreeMap<String, String>,
        at: i64,
        tally: &mut Tally,
        report: &mut dyn FnMut(String),
    ) -> Result<(), String> {
        tally.tenants += 1;
        let slug = self.clerk.plan_of(tenant)?;
        let plan = slug
            .as_deref()
            .map_or(self.plans.default.as_str(), |s| self.plans.for_slug(s));
        let plan_id = plan_ids.get(plan).ok_or_else(|| {
            format!("there is no usage plan named {plan:?} (DEFAULT_USAGE_PLAN, PLAN_USAGE_PLANS)")
        })?;
        let verb = if self.dry_run { "would put" } else { "put" };
        match self.keys.find(tenant)? {
            None => {
                tally.created += 1;
                report(format!("{tenant}: no key; {verb} a new one in {plan}"));
                if !self.dry_run {
                    let key = self.keys.create(tenant, false, 0)?;
                    self.keys.move_to(&key, plan_id)?;
                    self.keys.update(&key, true, at)?;
                }
            }
            Some(key) if key.event_at.is_some_and(|last| last > at) => {
                tally.newer += 1;
                report(format!("{tenant}: changed by a webhook since; left to it"));
            }
            Some(key) => {
                let current = self.keys.plans_of(&key)?;
                if key.enabled && current == [plan_id.clone()] {
                    tally.unchanged += 1;
                    return Ok(());
                }
                tally.corrected += 1;
                let was = match (key.enabled, current.len()) {
                    (false, _) => "disabled",
                    (true, 0) => "in no plan",
                    _ => "in another plan",
                };
                report(format!(
                    "{tenant}: key {was}; {verb} it, enabled, in {plan}"
                ));
                if !self.dry_run {
                    self.keys.move_to(&key, plan_id)?;
                    self.keys.update(&key, true, at)?;
                }
            }
        }
        Ok(())
    }
}
