//! `saring report transparency|dsa|locations`: the reports from the store, for the operator
//! (who holds the database, so every platform is in reach; `--platform` narrows).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use saring_store::{StatsScope, Store};
use secrecy::SecretString;

use super::{Period, dsa, locations, transparency};
use crate::Outcome;
use crate::serve::Clock;

/// `saring report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Transparency report for a period: writes report.json, report.csv and SVG charts to
    /// --out.
    Transparency(TransparencyArgs),
    /// Statements of reasons of a period in the EU DSA Transparency Database's shape, as
    /// NDJSON on standard output (or --out).
    Dsa(DsaArgs),
    /// Flagged and actioned accounts per location and ISO week, counts below k withheld.
    Locations(LocationsArgs),
}

/// What every report takes.
#[derive(Debug, Args)]
pub struct Common {
    /// First day of the period (`YYYY-MM-DD`, UTC).
    #[arg(long, value_name = "DATE")]
    from: String,
    /// Last day of the period, included (`YYYY-MM-DD`, UTC).
    #[arg(long, value_name = "DATE")]
    to: String,
    /// Only this platform [default: every platform].
    #[arg(long, value_name = "ID")]
    platform: Option<String>,
    /// Database URL.
    #[arg(
        long,
        value_name = "URL",
        env = "SARING_DATABASE_URL",
        default_value = "sqlite://saring.db"
    )]
    db: String,
}

/// Arguments of `saring report transparency`.
#[derive(Debug, Args)]
pub struct TransparencyArgs {
    #[command(flatten)]
    common: Common,
    /// Directory to write report.json, report.csv and the charts to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Arguments of `saring report dsa`.
#[derive(Debug, Args)]
pub struct DsaArgs {
    #[command(flatten)]
    common: Common,
    /// Key of the keyed hash that makes each statement's `puid` (at least 16 characters; keep
    /// it: the same key gives the same puids).
    #[arg(
        long,
        value_name = "KEY",
        env = "SARING_REPORTS__PUID_KEY",
        hide_env_values = true
    )]
    puid_key: String,
    /// Territorial scope: ISO 3166-1 alpha-2 codes, comma-separated.
    #[arg(
        long,
        value_name = "CODES",
        value_delimiter = ',',
        default_value = "ID"
    )]
    territorial_scope: Vec<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Output formats of `saring report locations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Comma-separated values, withheld counts as `<k`.
    Csv,
    /// One JSON document, withheld counts as `null`.
    Json,
}

/// Arguments of `saring report locations`.
#[derive(Debug, Args)]
pub struct LocationsArgs {
    #[command(flatten)]
    common: Common,
    /// Withhold every count from 1 to k − 1 (at least 2).
    #[arg(long, value_name = "K", default_value_t = 5)]
    k: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    format: TableFormat,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs a `saring report` command.
pub fn run(cmd: &ReportCommand) -> anyhow::Result<Outcome> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    rt.block_on(async {
        let common = match cmd {
            ReportCommand::Transparency(a) => &a.common,
            ReportCommand::Dsa(a) => &a.common,
            ReportCommand::Locations(a) => &a.common,
        };
        let period =
            Period::parse(&common.from, &common.to).map_err(|e| anyhow::anyhow!("--{e}"))?;
        let store = Store::open(&common.db)
            .await
            .with_context(|| format!("could not open the store at {}", common.db))?;
        let scope = match &common.platform {
            Some(p) => {
                if store.platform(p).await?.is_none() {
                    bail!("--platform: no platform {p:?} in the store");
                }
                StatsScope::Platform(p)
            }
            None => StatsScope::All,
        };
        let result = match cmd {
            ReportCommand::Transparency(a) => write_transparency(&store, scope, &period, a).await,
            ReportCommand::Dsa(a) => write_dsa(&store, scope, &period, a).await,
            ReportCommand::Locations(a) => write_locations(&store, scope, &period, a).await,
        };
        store.close().await;
        result.map(|()| Outcome::Success)
    })
}

async fn write_transparency(
    store: &Store,
    scope: StatsScope<'_>,
    period: &Period,
    a: &TransparencyArgs,
) -> anyhow::Result<()> {
    let report = transparency::build(store, scope, period, Clock::default().now()).await?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("could not create {}", a.out.display()))?;
    let write = |name: &str, body: &[u8]| {
        let path = a.out.join(name);
        std::fs::write(&path, body).with_context(|| format!("could not write {}", path.display()))
    };
    write("report.json", &serde_json::to_vec_pretty(&report)?)?;
    write("report.csv", report.to_csv().as_bytes())?;
    let charts = report.charts()?;
    for (name, svg) in &charts {
        write(name, svg.as_bytes())?;
    }
    let t = &report.total;
    eprintln!(
        "transparency report {} to {}: {} platforms, {} decisions, {} appeals; wrote report.json, report.csv and {} charts to {}",
        period.from,
        period.to,
        report.platforms.len(),
        t.decisions,
        t.appeals.filed,
        charts.len(),
        a.out.display()
    );
    Ok(())
}

async fn write_dsa(
    store: &Store,
    scope: StatsScope<'_>,
    period: &Period,
    a: &DsaArgs,
) -> anyhow::Result<()> {
    let key = SecretString::from(a.puid_key.clone());
    let config = super::ReportsConfig {
        puid_key: Some(key.clone()),
        territorial_scope: a.territorial_scope.clone(),
    };
    let problems = config.problems();
    if !problems.is_empty() {
        bail!(
            "{} (--puid-key and --territorial-scope set these)",
            problems.join("; ")
        );
    }
    let (platforms, facts) = tokio::try_join!(
        store.platforms(),
        store.report_decisions(scope, period.from_ms, period.to_ms)
    )?;
    let name_of = |id: &str| {
        platforms
            .iter()
            .find(|p| p.id == id)
            .map_or("", |p| p.name.as_str())
    };
    let (text, n) = dsa::ndjson(&facts, name_of, &key, &a.territorial_scope)?;
    emit(a.out.as_ref(), text.as_bytes())?;
    eprintln!(
        "{n} statements of reasons from {} to {} ({} decisions; no_violation has none)",
        period.from,
        period.to,
        facts.len()
    );
    Ok(())
}

async fn write_locations(
    store: &Store,
    scope: StatsScope<'_>,
    period: &Period,
    a: &LocationsArgs,
) -> anyhow::Result<()> {
    if a.k < 2 {
        bail!("--k must be at least 2, got {}", a.k);
    }
    let report = locations::build(store, scope, period, a.k).await?;
    let body = match a.format {
        TableFormat::Csv => report.to_csv().into_bytes(),
        TableFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&report)?;
            v.push(b'\n');
            v
        }
    };
    emit(a.out.as_ref(), &body)?;
    eprintln!(
        "location report {} to {} (whole ISO weeks): {} rows, counts below {} withheld",
        report.period.from,
        report.period.to,
        report.rows.len(),
        a.k
    );
    Ok(())
}

fn emit(out: Option<&PathBuf>, body: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(path) => std::fs::write(path, body)
            .with_context(|| format!("could not write {}", path.display())),
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(body)
                .and_then(|()| o.flush())
                .context("could not write to standard output")
        }
    }
}
