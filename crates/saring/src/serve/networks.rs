//! Networks in the service: the linker fed as events are committed, its links recorded in
//! the store, and ban evasion — an account linked to a frozen one — opening a case with a
//! deadline, which puts it ahead of cases without one.
//!
//! The linker lives in memory and is rebuilt from the stored events at start-up (purged texts
//! are gone and cannot link again; their links stay in the store). Links are recorded after
//! the events' own commit: a crash in between loses no event, and the links come back when the
//! restart replays the events (recording is idempotent). One linker per process: with several
//! `saring serve` instances or workers on one PostgreSQL database, each links only what it
//! ingests itself (see `docs/networks.md`).

use std::sync::Mutex;

use saring_core::case::CaseSource;
use saring_core::network::{Evidence, Linker, LinkerConfig, PhotoHash, Post, Prepared};
use saring_core::time::HOUR_MS;
use saring_store::{NewLink, NewReport, Store};
use serde::{Deserialize, Serialize};

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
        if let Err(e) = self.linker_config().validate() {
            out.push(format!("networks: {e}"));
        }
        out
    }

    fn linker_config(&self) -> LinkerConfig {
        let mut c = LinkerConfig::default();
        c.template.threshold = self.template_threshold;
        c.photo_max_distance = self.photo_max_distance;
        c
    }
}

/// An event to link, as committed.
#[derive(Debug, Clone)]
pub struct LinkInput<'a> {
    /// Platform.
    pub platform: &'a str,
    /// Account.
    pub account: &'a str,
    /// Event id.
    pub event_id: &'a str,
    /// Text.
    pub text: &'a str,
    /// Contacts given with the event.
    pub contacts: &'a [String],
    /// Photo hashes (16 hex digits).
    pub photo_hashes: &'a [String],
}

/// What linking a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkOutcome {
    /// Links new to the store.
    pub links: usize,
    /// Ban-evasion reports filed.
    pub ban_evasion_cases: usize,
}

/// The service's linker.
pub struct Networks {
    linker: Mutex<Linker>,
    config: NetworksConfig,
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

/// The text the linker reads: the event's text and the contacts given with it.
fn linking_text(text: &str, contacts: &[String]) -> String {
    if contacts.is_empty() {
        return text.to_owned();
    }
    let mut t = String::with_capacity(text.len() + 64);
    t.push_str(text);
    for c in contacts {
        t.push('\n');
        t.push_str(c);
    }
    t
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
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NetworksConfig {
        &self.config
    }

    /// Rebuilds the linker from every stored event, in storage order, and records any link
    /// the store does not have yet (those found just before a crash). Returns how many events
    /// were replayed.
    pub async fn rebuild(&self, store: &Store, now: i64) -> anyhow::Result<u64> {
        if !self.config.enabled {
            return Ok(0);
        }
        let mut after = 0;
        let mut replayed = 0;
        loop {
            let page = store.linking_events(after, REBUILD_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            replayed += page.len() as u64;
            let inputs: Vec<(String, String, String, Vec<PhotoHash>)> = page
                .into_iter()
                .filter_map(|e| {
                    let text = e.text?;
                    Some((
                        node(&e.platform, &e.account),
                        e.event_id,
                        linking_text(&text, &e.contacts),
                        photos(&e.photo_hashes),
                    ))
                })
                .collect();
            let links = self.add_all(&inputs)?;
            store.record_links(&links, LINKER_ACTOR, now).await?;
        }
        Ok(replayed)
    }

    fn add_all(
        &self,
        inputs: &[(String, String, String, Vec<PhotoHash>)],
    ) -> anyhow::Result<Vec<NewLink>> {
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
        Ok(out)
    }

    /// Links committed events, records the new links and files ban-evasion reports. The
    /// linking itself runs on the blocking pool.
    pub async fn on_committed(
        self: &std::sync::Arc<Self>,
        store: &Store,
        events: &[LinkInput<'_>],
        now: i64,
    ) -> anyhow::Result<LinkOutcome> {
        if !self.config.enabled || events.is_empty() {
            return Ok(LinkOutcome::default());
        }
        let inputs: Vec<(String, String, String, Vec<PhotoHash>)> = events
            .iter()
            .map(|e| {
                (
                    node(e.platform, e.account),
                    e.event_id.to_owned(),
                    linking_text(e.text, e.contacts),
                    photos(e.photo_hashes),
                )
            })
            .collect();
        let me = std::sync::Arc::clone(self);
        let links = tokio::task::spawn_blocking(move || me.add_all(&inputs)).await??;
        let new = store.record_links(&links, LINKER_ACTOR, now).await?;
        let mut outcome = LinkOutcome {
            links: new.len(),
            ban_evasion_cases: 0,
        };
        // Ordered, so networks are walked in a stable order; a set, so membership is cheap.
        let mut touched: std::collections::BTreeSet<(String, String)> = Default::default();
        for l in &new {
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
                    outcome.ban_evasion_cases += 1;
                }
            }
        }
        Ok(outcome)
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
            linking_text("ready kak", &["0812 3456 7890".to_owned()]),
            Vec::new(),
        );
        let b = (
            node("michat", "b"),
            "e2".to_owned(),
            linking_text("avail malam ini wa 081234567890", &[]),
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
            ..NetworksConfig::default()
        };
        let p = c.problems();
        assert_eq!(p.len(), 3, "{p:?}");
    }
}
