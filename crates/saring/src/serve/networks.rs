//! Networks in the service: the linker that follows the committed events, its links recorded
//! in the store, and ban evasion — an account linked to a frozen one — opening a case with a
//! deadline, which puts it ahead of cases without one.
//!
//! Linking is off the request path: `POST /v1/events` and `saring worker` commit events and
//! answer; the linker task ([`Networks::run`]) reads what was committed from the store, in a
//! stable order ([`Store::committed_events`]), links it and records the links. Links are
//! derived data: the linker lives in memory and, whenever it starts (or takes over), replays
//! every stored event from the beginning; recording is idempotent, so a crash at any point
//! loses nothing that matters — the replay finds the same links again, and those the store
//! lacked are recorded then (purged texts are gone and cannot link again; their links stay).
//! One linker per database: on PostgreSQL the processes (workers, service instances) elect
//! it with an advisory lock ([`Store::linker_lease`]), so it sees every event, whichever
//! process stored it (see `docs/networks.md`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use saring_core::case::CaseSource;
use saring_core::network::{Evidence, Linker, LinkerConfig, PhotoHash, Post, Prepared};
use saring_core::time::HOUR_MS;
use saring_store::{LinkCursor, LinkRow, LinkerLease, NewLink, NewReport, Store};

use super::background::Background;
use serde::{Deserialize, Serialize};

/// An event as the linker takes it: node, event id, text, photo hashes.
type LinkItem = (String, String, String, Vec<PhotoHash>);

/// Separates platform and account in a linker node name (it cannot occur in either).
const SEP: char = '\u{1f}';

/// Rows read per page when rebuilding the linker.
const REBUILD_PAGE: i64 = 5_000;

/// The audit actor of links and ban-evasion reports.
pub const LINKER_ACTOR: &str = "system:linker";

/// How the service links accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworksConfig {
    /// Link accounts as events arrive.
    pub enabled: bool,
    /// Most accounts shown (and covered by a network freeze) per network.
    pub max_members: usize,
    /// Hours a ban-evasion case may take: the deadline raises it above cases without one.
    pub ban_evasion_deadline_hours: i64,
    /// Estimated Jaccard similarity from which two ads are one template.
    pub template_threshold: f64,
    /// Photos whose 64-bit hashes differ in at most this many bits are one photo.
    pub photo_max_distance: u32,
    /// Recent ads kept as template candidates; older ones are forgotten (they still link on
    /// phones, handles and photos), so the linker's memory stays bounded.
    pub template_window: usize,
    /// Milliseconds between the linker's looks for events stored by other processes (the
    /// service wakes it at once after its own commits), and between a standby's attempts to
    /// become the linker.
    pub follow_interval_ms: u64,
    /// How much lower than the process's the linker thread's scheduling priority is (a nice
    /// value added, 0–19): under load the cores go to ingest, which clients wait for, and the
    /// linker catches up when it eases (see `background.rs`).
    pub linker_nice: i32,
}

impl Default for NetworksConfig {
    fn default() -> Self {
        let linker = LinkerConfig::default();
        Self {
            enabled: true,
            max_members: 200,
            ban_evasion_deadline_hours: 24,
            template_threshold: linker.template.threshold,
            photo_max_distance: linker.photo_max_distance,
            template_window: linker.template_window,
            follow_interval_ms: 500,
            linker_nice: 10,
        }
    }
}

impl NetworksConfig {
    /// What is wrong with the values, if anything.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.max_members < 2 {
            out.push("networks.max_members must be at least 2".into());
        }
        if self.ban_evasion_deadline_hours <= 0 {
            out.push("networks.ban_evasion_deadline_hours must be positive".into());
        }
        if self.follow_interval_ms == 0 {
            out.push("networks.follow_interval_ms must be positive".into());
        }
        if !(0..=19).contains(&self.linker_nice) {
            out.push(format!(
                "networks.linker_nice must be from 0 (the process's priority) to 19 (the lowest), got {}",
                self.linker_nice
            ));
        }
        if let Err(e) = self.linker_config().validate() {
            out.push(format!("networks: {e}"));
        }
        out
    }

    fn linker_config(&self) -> LinkerConfig {
        let mut c = LinkerConfig::default();
        c.template.threshold = self.template_threshold;
        c.photo_max_distance = self.photo_max_distance;
        c.template_window = self.template_window;
        c
    }
}

/// What this process's linker is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LinkerRole {
    /// Linking is turned off (`networks.enabled = false`).
    #[default]
    Off,
    /// Another process links (PostgreSQL), or this one has not started yet.
    Standby,
    /// This process links; the cursor is the last event linked.
    Leader(LinkCursor),
}

/// The service's linker.
pub struct Networks {
    linker: Mutex<Linker>,
    config: NetworksConfig,
    role: Mutex<LinkerRole>,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Networks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Networks")
            .field("config", &self.config)
            .finish()
    }
}

fn node(platform: &str, account: &str) -> String {
    format!("{platform}{SEP}{account}")
}

fn split(node: &str) -> (String, String) {
    match node.split_once(SEP) {
        Some((p, a)) => (p.to_owned(), a.to_owned()),
        None => (String::new(), node.to_owned()),
    }
}

/// The text the linker reads: the event's text and the contacts given with it (the text
/// itself, not a copy, when there are none).
fn linking_text(mut text: String, contacts: &[String]) -> String {
    if contacts.is_empty() {
        return text;
    }
    text.reserve(contacts.iter().map(|c| c.len() + 1).sum());
    for c in contacts {
        text.push('\n');
        text.push_str(c);
    }
    text
}

fn photos(hashes: &[String]) -> Vec<PhotoHash> {
    // Hashes were validated at ingest; one that no longer parses is skipped, not fatal.
    hashes
        .iter()
        .filter_map(|h| PhotoHash::from_hex(h).ok())
        .collect()
}

impl Networks {
    /// A linker with nothing in it yet.
    pub fn new(config: NetworksConfig) -> anyhow::Result<Networks> {
        let linker = Linker::new(config.linker_config())?;
        Ok(Networks {
            linker: Mutex::new(linker),
            role: Mutex::new(if config.enabled {
                LinkerRole::Standby
            } else {
                LinkerRole::Off
            }),
            config,
            wake: tokio::sync::Notify::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NetworksConfig {
        &self.config
    }

    /// Tells the linker that events were committed, so it looks now rather than at its next
    /// interval.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// What the linker is doing.
    pub fn role(&self) -> LinkerRole {
        *self.role.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_role(&self, role: LinkerRole) {
        *self.role.lock().unwrap_or_else(|e| e.into_inner()) = role;
    }

    /// Runs the linker until `stop` turns true: takes the linker lease (or waits for it as a
    /// standby), replays every stored event, then follows the committed events, recording
    /// links and filing ban-evasion reports. After any failure it drops the lease and its
    /// in-memory state and starts over: replaying is how it recovers, so nothing is skipped.
    pub async fn run(
        self: Arc<Self>,
        store: Store,
        now: Arc<dyn Fn() -> i64 + Send + Sync>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        if !self.config.enabled {
            return;
        }
        let interval = Duration::from_millis(self.config.follow_interval_ms);
        let mut backoff = Duration::ZERO;
        while !*stop.borrow() {
            match store.linker_lease().await {
                Ok(Some(lease)) => match self.lead(&store, lease, &now, &mut stop).await {
                    Ok(()) => break,
                    Err(e) => {
                        tracing::warn!(
                            error = format!("{e:#}"),
                            "linking failed; replaying the stored events"
                        );
                        backoff = (backoff * 2).clamp(interval, Duration::from_secs(10));
                    }
                },
                Ok(None) => backoff = interval,
                Err(e) => {
                    tracing::warn!(error = %e, "could not ask for the linker lease; retrying");
                    backoff = (backoff * 2).clamp(interval, Duration::from_secs(10));
                }
            }
            self.set_role(LinkerRole::Standby);
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                () = tokio::time::sleep(backoff) => {}
            }
        }
        self.set_role(LinkerRole::Standby);
    }

    /// Links as the one linker while `lease` holds; returns `Ok` when asked to stop.
    async fn lead(
        self: &Arc<Self>,
        store: &Store,
        mut lease: LinkerLease,
        now: &Arc<dyn Fn() -> i64 + Send + Sync>,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        *self
            .linker
            .lock()
            .map_err(|_| anyhow::anyhow!("the linker's lock was poisoned by a panic"))? =
            Linker::new(self.config.linker_config())?.streaming();
        // The CPU-heavy part runs on a thread of its own at a lower priority; the thread
        // ends with this lead.
        let thread = Background::start("saring-linker", self.config.linker_nice)?;
        let mut cursor = LinkCursor::default();
        self.set_role(LinkerRole::Leader(cursor));
        let interval = Duration::from_millis(self.config.follow_interval_ms);
        let started = std::time::Instant::now();
        let mut replayed = 0u64;
        let mut caught_up = false;
        tracing::info!("linking accounts: replaying the stored events");
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let (page, next) = store.committed_events(cursor, REBUILD_PAGE).await?;
            if page.is_empty() {
                if !caught_up {
                    caught_up = true;
                    tracing::info!(
                        events = replayed,
                        ms = started.elapsed().as_millis() as u64,
                        "networks rebuilt; following new events"
                    );
                }
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return Ok(()),
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(interval) => {}
                }
                lease.check().await?;
                continue;
            }
            replayed += page.len() as u64;
            let inputs: Vec<LinkItem> = page
                .into_iter()
                .filter_map(|e| {
                    let text = e.text?;
                    Some((
                        node(&e.platform, &e.account),
                        e.event_id,
                        linking_text(text, &e.contacts),
                        photos(&e.photo_hashes),
                    ))
                })
                .collect();
            let me = Arc::clone(self);
            let links = thread.run(move || me.add_all(&inputs)).await??;
            let started = std::time::Instant::now();
            let new = store.record_links(&links, LINKER_ACTOR, now()).await?;
            if !links.is_empty() {
                metrics::counter!("saring_link_commits_total").increment(1);
                metrics::counter!("saring_links_record_microseconds_total")
                    .increment(started.elapsed().as_micros() as u64);
            }
            metrics::counter!("saring_links_total").increment(new.len() as u64);
            self.ban_evasion(store, &new, now()).await?;
            cursor = next;
            self.set_role(LinkerRole::Leader(cursor));
        }
    }

    fn add_all(&self, inputs: &[LinkItem]) -> anyhow::Result<Vec<NewLink>> {
        let config = self.config.linker_config();
        // The expensive part (identifiers, shingles, signatures) runs outside the lock.
        let prepared: Vec<Prepared> = inputs
            .iter()
            .map(|(node, item, text, photos)| {
                Prepared::new(
                    &config,
                    &Post {
                        item,
                        node,
                        text,
                        photos,
                    },
                )
            })
            .collect();
        let mut linker = self
            .linker
            .lock()
            .map_err(|_| anyhow::anyhow!("the linker's lock was poisoned by a panic"))?;
        let mut out = Vec::new();
        for p in prepared {
            for link in linker.add_prepared(p)? {
                out.push(to_new_link(link));
            }
        }
        let f = linker.footprint();
        metrics::gauge!("saring_linker_nodes").set(f.nodes as f64);
        metrics::gauge!("saring_linker_items").set(f.items as f64);
        metrics::gauge!("saring_linker_item_ids").set(f.item_ids as f64);
        metrics::gauge!("saring_linker_template_items").set(f.template_items as f64);
        metrics::gauge!("saring_linker_identifiers").set(f.identifiers as f64);
        Ok(out)
    }

    /// Files ban-evasion reports for the accounts that `new` links touch, when their network
    /// on their platform holds a frozen account. Returns how many were filed.
    async fn ban_evasion(&self, store: &Store, new: &[LinkRow], now: i64) -> anyhow::Result<usize> {
        let mut filed = 0;
        // Ordered, so networks are walked in a stable order; a set, so membership is cheap.
        let mut touched: std::collections::BTreeSet<(String, String)> = Default::default();
        for l in new {
            // Ban evasion is judged within one platform: another platform's freeze is that
            // platform's business (the regulator sees cross-platform links).
            if l.platform_a != l.platform_b {
                continue;
            }
            for side in [
                (l.platform_a.clone(), l.account_a.clone()),
                (l.platform_b.clone(), l.account_b.clone()),
            ] {
                touched.insert(side);
            }
        }
        // One network walk per network touched in this batch (not per account), and none on
        // a platform without frozen accounts.
        let mut covered: std::collections::HashSet<(String, String)> = Default::default();
        let mut has_frozen: std::collections::HashMap<String, bool> = Default::default();
        for (platform, account) in &touched {
            if covered.contains(&(platform.clone(), account.clone())) {
                continue;
            }
            let frozen_here = match has_frozen.get(platform) {
                Some(&f) => f,
                None => {
                    let f = store.has_frozen_accounts(platform).await?;
                    has_frozen.insert(platform.clone(), f);
                    f
                }
            };
            if !frozen_here {
                continue;
            }
            let same_platform = |p: &str| p == platform;
            let net = store
                .network_of(platform, account, self.config.max_members, &same_platform)
                .await?;
            for m in &net.members {
                covered.insert((m.platform.clone(), m.account.clone()));
            }
            let Some(frozen) = net.members.iter().find(|m| m.status == "frozen") else {
                continue;
            };
            for m in &net.members {
                if touched.contains(&(m.platform.clone(), m.account.clone()))
                    && m.status != "frozen"
                    && self
                        .report_evasion(store, &m.platform, &m.account, &frozen.account, now)
                        .await?
                {
                    filed += 1;
                }
            }
        }
        Ok(filed)
    }

    /// Files a ban-evasion report for `platform/account` (linked to the frozen `frozen_account`),
    /// unless its open case has a deadline already. Returns whether one was filed.
    async fn report_evasion(
        &self,
        store: &Store,
        platform: &str,
        account: &str,
        frozen_account: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        if let Some((_, _, cases)) = store.account(platform, account).await?
            && cases
                .iter()
                .any(|c| c.status == saring_core::case::CaseStatus::Open && c.deadline.is_some())
        {
            return Ok(false);
        }
        let report = NewReport {
            platform: platform.to_owned(),
            account: account.to_owned(),
            source: CaseSource::BanEvasion,
            reason: format!("linked to the frozen account {frozen_account} (possible ban evasion)"),
            deadline: Some(now + self.config.ban_evasion_deadline_hours * HOUR_MS),
        };
        store.file_report(&report, LINKER_ACTOR, now).await?;
        metrics::counter!("saring_ban_evasion_cases_total").increment(1);
        Ok(true)
    }
}

fn to_new_link(link: saring_core::network::Link) -> NewLink {
    let (kind, value, strength, items) = match link.evidence {
        Evidence::Identifier { kind, value, items } => {
            (kind.as_str().to_owned(), value, None, items)
        }
        Evidence::Template { similarity, items } => (
            "template".to_owned(),
            String::new(),
            Some(similarity),
            items,
        ),
        Evidence::Photo { distance, items } => (
            "photo".to_owned(),
            String::new(),
            Some(f64::from(distance)),
            items,
        ),
    };
    let [item_a, item_b] = items;
    NewLink {
        a: split(&link.a),
        b: split(&link.b),
        kind,
        value,
        strength,
        item_a,
        item_b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_round_trip_with_slashes_in_accounts() {
        assert_eq!(
            split(&node("michat", "a/b")),
            ("michat".to_owned(), "a/b".to_owned())
        );
    }

    #[test]
    fn contacts_are_linked_on_as_well_as_the_text() {
        let n = Networks::new(NetworksConfig::default()).expect("default config is valid");
        let a = (
            node("michat", "a"),
            "e1".to_owned(),
            linking_text("ready kak".to_owned(), &["0812 3456 7890".to_owned()]),
            Vec::new(),
        );
        let b = (
            node("michat", "b"),
            "e2".to_owned(),
            linking_text("avail malam ini wa 081234567890".to_owned(), &[]),
            Vec::new(),
        );
        let links = n.add_all(&[a, b]).expect("links");
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].kind, "phone");
        assert_eq!(links[0].value, "+6281234567890");
        assert_eq!(links[0].a, ("michat".to_owned(), "a".to_owned()));
        assert_eq!(
            (links[0].item_a.as_str(), links[0].item_b.as_str()),
            ("e1", "e2")
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let c = NetworksConfig {
            max_members: 1,
            ban_evasion_deadline_hours: 0,
            template_threshold: 1.5,
            linker_nice: 20,
            ..NetworksConfig::default()
        };
        let p = c.problems();
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(
            p.iter()
                .any(|m| m.contains("networks.linker_nice") && m.contains("got 20")),
            "{p:?}"
        );
        let negative = NetworksConfig {
            linker_nice: -1,
            ..NetworksConfig::default()
        };
        assert_eq!(negative.problems().len(), 1);
        assert!(NetworksConfig::default().problems().is_empty());
    }
}
