//! `saring backtest`: runs a candidate model and/or policy pack over the content in the store
//! and reports what would change before it goes live — items and accounts newly flagged and
//! no longer flagged, per platform and per protection flag, with example ids. It only reads:
//! nothing in the store changes.
//!
//! The comparison is with the verdicts stored at ingest (what the live detector said), or,
//! with `--current-model`/`--current-policy`/`--recompute-current`, with a current detector
//! run again on the same texts, so that only the change of model or pack shows.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use saring_detect::{Detector, Label, Scratch};
use saring_store::{Store, StoredItem};

use crate::{BacktestArgs, Outcome, dataset, input, train};

/// Items read from the store per query.
const PAGE: i64 = 5_000;

/// A verdict reduced to what the report compares.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Short {
    flagged: bool,
    flags: BTreeSet<String>,
}

/// Changes of one kind, with a few example ids.
#[derive(Debug, Default, Clone, Serialize)]
struct Change {
    count: u64,
    examples: Vec<String>,
}

impl Change {
    fn add(&mut self, id: &str, max: usize) {
        self.count += 1;
        if self.examples.len() < max {
            self.examples.push(id.to_owned());
        }
    }
}

/// What would change on one platform.
#[derive(Debug, Default, Clone, Serialize)]
struct PlatformReport {
    items: u64,
    flagged_now: u64,
    flagged_candidate: u64,
    newly_flagged: Change,
    no_longer_flagged: Change,
    accounts: u64,
    accounts_newly_flagged: Change,
    accounts_no_longer_flagged: Change,
    /// Per protection flag: items newly raising it, items no longer raising it.
    flags: BTreeMap<String, (Change, Change)>,
}

/// The whole report.
#[derive(Debug, Serialize)]
struct Report {
    since_ms: i64,
    compared_with: String,
    candidate: String,
    items: u64,
    platforms: BTreeMap<String, PlatformReport>,
}

/// Runs `saring backtest`.
pub fn run(args: &BacktestArgs) -> Result<Outcome> {
    let since = train::now_ms() - dataset::parse_duration(&args.since)?;
    let candidate = input::load_detector(args.policy.as_deref(), args.model.as_deref())?;
    let recompute =
        args.recompute_current || args.current_model.is_some() || args.current_policy.is_some();
    let current = if recompute {
        Some(input::load_detector(
            args.current_policy.as_deref(),
            args.current_model.as_deref(),
        )?)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let store = runtime
        .block_on(Store::open(&args.db))
        .with_context(|| format!("could not open the store at {}", args.db))?;

    let mut report = Report {
        since_ms: since,
        compared_with: if recompute {
            describe(
                args.current_model.as_deref(),
                args.current_policy.as_deref(),
            )
        } else {
            "the verdicts stored at ingest".to_owned()
        },
        candidate: describe(args.model.as_deref(), args.policy.as_deref()),
        items: 0,
        platforms: BTreeMap::new(),
    };
    // (platform, account) → (flagged now, flagged by the candidate).
    let mut accounts: BTreeMap<(String, String), (bool, bool)> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = runtime
            .block_on(store.stored_items(since, after, PAGE))
            .context("could not read the stored items")?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let verdicts: Vec<(Short, Short)> = page
            .par_iter()
            .map_init(Scratch::default, |scratch, item| {
                let now = match &current {
                    Some(d) => short(d, &item.text, scratch),
                    None => stored(item),
                };
                (now, short(&candidate, &item.text, scratch))
            })
            .collect();
        for (item, (now, cand)) in page.iter().zip(verdicts) {
            report.items += 1;
            let p = report.platforms.entry(item.platform.clone()).or_default();
            p.items += 1;
            p.flagged_now += u64::from(now.flagged);
            p.flagged_candidate += u64::from(cand.flagged);
            match (now.flagged, cand.flagged) {
                (false, true) => p.newly_flagged.add(&item.event_id, args.examples),
                (true, false) => p.no_longer_flagged.add(&item.event_id, args.examples),
                _ => {}
            }
            for flag in cand.flags.difference(&now.flags) {
                let e = p.flags.entry(flag.clone()).or_default();
                e.0.add(&item.event_id, args.examples);
            }
            for flag in now.flags.difference(&cand.flags) {
                let e = p.flags.entry(flag.clone()).or_default();
                e.1.add(&item.event_id, args.examples);
            }
            let a = accounts
                .entry((item.platform.clone(), item.account.clone()))
                .or_default();
            a.0 |= now.flagged;
            a.1 |= cand.flagged;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    runtime.block_on(store.close());
    for ((platform, account), (now, cand)) in &accounts {
        let p = report.platforms.entry(platform.clone()).or_default();
        p.accounts += 1;
        match (now, cand) {
            (false, true) => p.accounts_newly_flagged.add(account, args.examples),
            (true, false) => p.accounts_no_longer_flagged.add(account, args.examples),
            _ => {}
        }
    }

    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("cannot write the report")?
        );
    } else {
        print!("{}", text(&report));
    }
    Ok(Outcome::Success)
}

/// How a detector was given on the command line.
fn describe(model: Option<&std::path::Path>, policy: Option<&std::path::Path>) -> String {
    format!(
        "model {}, policy {}",
        model.map_or_else(|| "builtin".to_owned(), |p| p.display().to_string()),
        policy.map_or_else(|| "builtin".to_owned(), |p| p.display().to_string()),
    )
}

fn short(d: &Detector, text: &str, scratch: &mut Scratch) -> Short {
    let v = d.score(text, scratch);
    Short {
        flagged: v.label == Label::Solicitation,
        flags: v.flags.iter().map(|f| f.as_str().to_owned()).collect(),
    }
}

fn stored(item: &StoredItem) -> Short {
    Short {
        flagged: item.label == Label::Solicitation.as_str(),
        flags: item.flags.iter().cloned().collect(),
    }
}

/// The report for people.
fn text(r: &Report) -> String {
    let mut s = format!(
        "backtest: {} stored items since {} — candidate ({}) against {}; nothing was changed\n",
        r.items,
        jiff::Timestamp::from_millisecond(r.since_ms)
            .map_or_else(|_| r.since_ms.to_string(), |t| t.to_string()),
        r.candidate,
        r.compared_with
    );
    let ex = |c: &Change| {
        if c.examples.is_empty() {
            String::new()
        } else {
            format!("  e.g. {}", c.examples.join(", "))
        }
    };
    for (platform, p) in &r.platforms {
        let _ = writeln!(
            s,
            "\nplatform {platform}: {} items, {} accounts",
            p.items, p.accounts
        );
        let _ = writeln!(
            s,
            "  items flagged: {} now, {} with the candidate",
            p.flagged_now, p.flagged_candidate
        );
        let _ = writeln!(
            s,
            "  items newly flagged:        {:>6}{}",
            p.newly_flagged.count,
            ex(&p.newly_flagged)
        );
        let _ = writeln!(
            s,
            "  items no longer flagged:    {:>6}{}",
            p.no_longer_flagged.count,
            ex(&p.no_longer_flagged)
        );
        let _ = writeln!(
            s,
            "  accounts newly flagged:     {:>6}{}",
            p.accounts_newly_flagged.count,
            ex(&p.accounts_newly_flagged)
        );
        let _ = writeln!(
            s,
            "  accounts no longer flagged: {:>6}{}",
            p.accounts_no_longer_flagged.count,
            ex(&p.accounts_no_longer_flagged)
        );
        for (flag, (raised, dropped)) in &p.flags {
            let _ = writeln!(
                s,
                "  flag {flag}: newly raised {}{}; no longer raised {}{}",
                raised.count,
                ex(raised),
                dropped.count,
                ex(dropped)
            );
        }
    }
    if r.platforms.is_empty() {
        s.push_str("no stored items in that period\n");
    }
    s
}
