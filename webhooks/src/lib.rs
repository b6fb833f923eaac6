//! Clerk's webhooks, as Svix delivers them: `svix` checks a delivery's signature and age,
//! `events` reads the events that create, move or disable a tenant's API key.
//!
//! Both are plain functions on bytes and strings, with the clock passed in: the provisioner
//! (`api-handlers`), the minter and the fuzz targets call them directly.

pub mod events;
pub mod svix;
