//! The `saring` command line: the CLI definition and the dispatch to one module per
//! command. Everything that does work lives in those modules; this file only says what the
//! flags are, runs the chosen command and turns its outcome into an exit code.
//!
//! Exit codes follow ripgrep: 0 when all went well, 1 when some input was bad but the rest
//! was processed (a soft failure), 2 for usage errors and fatal errors. Errors are printed as
//! `error: {:#}`, the whole chain of context on one line.

mod admin;
mod backtest;
mod config;
mod console;
mod dataset;
mod eval;
mod evidence;
mod explain;
mod input;
mod link;
mod report;
mod scan;
mod serve;
mod train;
mod webhook;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

// glibc's malloc keeps an arena per thread and hands little back: under the service's mixed
// load its resident memory kept climbing long after the heap had levelled off
// (bench/README.md, "Load"). mimalloc returns freed pages to the system.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Score Indonesian chat and social content for commercial-sex solicitation.
#[derive(Debug, Parser)]
#[command(name = "saring", version, about, max_term_width = 100)]
struct Cli {
    /// The command to run.
    #[command(subcommand)]
    command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Score items from NDJSON or CSV files (or stdin) and write one NDJSON verdict per item.
    Scan(ScanArgs),
    /// Show how the score of one text was reached.
    Explain(ExplainArgs),
    /// Train a model on labelled JSON Lines files.
    Train(TrainArgs),
    /// Measure a model on labelled JSON Lines files, clean and disguised.
    Eval(EvalArgs),
    /// Run a candidate model or policy pack over stored content and report what would change
    /// (nothing is written).
    Backtest(BacktestArgs),
    /// Find networks of accounts (shared phones, handles, accounts, ad templates, photos) in
    /// NDJSON files and write one network per line.
    Link(LinkArgs),
    /// Run the service: the HTTP API, the webhook dispatcher and the retention purge.
    Serve(ServeArgs),
    /// Process events from the NATS JetStream stream into the store (scale-out ingest).
    Worker(WorkerArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage platforms.
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Export a case's evidence as a sealed bundle, or verify one offline.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Reports from the store: transparency (JSON, CSV, SVG), DSA statements of reasons,
    /// locations (k-anonymous).
    #[command(subcommand)]
    Report(report::cli::ReportCommand),
}

/// `saring evidence …`.
#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Write case CASE's evidence bundle (content as received with SHA-256 hashes, decisions
    /// and statements of reasons, appeals, orders, audit entries, manifest) and record the
    /// export in the audit log.
    Export(EvidenceExportArgs),
    /// Check a bundle offline; exit 1 naming every place that was changed.
    Verify(EvidenceVerifyArgs),
}

/// Arguments of `saring evidence export`.
#[derive(Debug, Args)]
struct EvidenceExportArgs {
    /// The case id.
    #[arg(value_name = "CASE")]
    case: i64,
    /// Write the bundle here [default: standard output].
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Who exports it, as written in the bundle and the audit log.
    #[arg(long, value_name = "NAME", default_value = "cli")]
    actor: String,
    /// The store.
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `saring evidence verify`.
#[derive(Debug, Args)]
struct EvidenceVerifyArgs {
    /// The bundle file.
    #[arg(value_name = "BUNDLE")]
    bundle: PathBuf,
}

/// Arguments of `saring serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Configuration file [default: `saring.toml` when present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (overrides `listen`).
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Database URL (overrides `database_url`), e.g. `sqlite://saring.db`.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Seed demo platforms, users and content into an empty store.
    #[arg(long)]
    demo: bool,
    /// What `POST /v1/events` does with valid events (overrides `ingest.mode`): `store`
    /// commits them in the request; `nats` publishes them to JetStream for `saring worker`.
    #[arg(long, value_enum, value_name = "MODE")]
    ingest: Option<IngestMode>,
    /// NATS server URL (overrides `nats.url`).
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// Policy pack and model.
    #[command(flatten)]
    detector: DetectorArgs,
}

/// Where `POST /v1/events` sends valid events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum IngestMode {
    /// Score and commit in the request.
    Store,
    /// Publish to the JetStream stream.
    Nats,
}

/// Arguments of `saring worker`.
#[derive(Debug, Args)]
struct WorkerArgs {
    /// Configuration file [default: `saring.toml` when present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// NATS server URL (overrides `nats.url`), e.g. `nats://127.0.0.1:4222`.
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// Database URL (overrides `database_url`), e.g. `postgres://saring@db/saring`.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// This worker's name in logs and the audit log [default: host name and process id].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Policy pack and model.
    #[command(flatten)]
    detector: DetectorArgs,
}

/// Which store an administrative command works on.
#[derive(Debug, Args)]
struct StoreArgs {
    /// Database URL.
    #[arg(
        long,
        value_name = "URL",
        env = "SARING_DATABASE_URL",
        default_value = "sqlite://saring.db"
    )]
    db: String,
}

/// `saring user …`.
#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user and print its token once.
    Add(UserAddArgs),
    /// Set a user's console password (read from standard input).
    Passwd(UserPasswdArgs),
    /// Issue a new API token for a user (the old one stops working) and print it once; also
    /// the way back from an expired token (`[auth] token_ttl_days`).
    Token(UserNameArgs),
    /// Disable a user: their token and console sessions are refused at once.
    Disable(UserNameArgs),
    /// Enable a disabled user again.
    Enable(UserNameArgs),
}

/// Arguments of `saring user token|disable|enable`.
#[derive(Debug, Args)]
struct UserNameArgs {
    /// The user's name.
    #[arg(value_name = "NAME")]
    name: String,
    /// The store.
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `saring user passwd`.
#[derive(Debug, Args)]
struct UserPasswdArgs {
    /// The user's name.
    #[arg(value_name = "NAME")]
    name: String,
    /// The store.
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `saring user add`.
#[derive(Debug, Args)]
struct UserAddArgs {
    /// The user's name (unique).
    #[arg(value_name = "NAME")]
    name: String,
    /// Tenant: a platform id, `regulator`, `police` or `system`.
    #[arg(long)]
    tenant: String,
    /// Role: admin, moderator, regulator, police or auditor.
    #[arg(long)]
    role: String,
    /// The store.
    #[command(flatten)]
    store: StoreArgs,
}

/// `saring platform …`.
#[derive(Debug, Subcommand)]
enum PlatformCommand {
    /// Create a platform (tenant).
    Add(PlatformAddArgs),
}

/// Arguments of `saring platform add`.
#[derive(Debug, Args)]
struct PlatformAddArgs {
    /// The platform's id (`a-z`, `0-9`, `-`, `_`).
    #[arg(value_name = "ID")]
    id: String,
    /// Display name [default: the id].
    #[arg(long)]
    name: Option<String>,
    /// Account score at or above which a case opens.
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// The store.
    #[command(flatten)]
    store: StoreArgs,
}

/// `saring audit …`.
#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; exit 1 naming the first entry that does not fit.
    Verify(AuditArgs),
}

/// Arguments of `saring audit verify`.
#[derive(Debug, Args)]
struct AuditArgs {
    /// The store.
    #[command(flatten)]
    store: StoreArgs,
}

/// Where the policy pack and the model come from.
#[derive(Debug, Clone, Args)]
struct DetectorArgs {
    /// Policy pack (TOML) to use instead of the builtin one.
    #[arg(long, value_name = "FILE", env = "SARING_POLICY")]
    policy: Option<PathBuf>,
    /// Model file to use instead of the builtin one.
    #[arg(long, value_name = "FILE", env = "SARING_MODEL")]
    model: Option<PathBuf>,
}

/// Input formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One JSON object per line, with a `text` field.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

/// Arguments of `saring scan`.
#[derive(Debug, Args)]
struct ScanArgs {
    /// Input files; `-` or none reads stdin.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Input format [default: `csv` for files ending in `.csv`, else `ndjson`].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// CSV column that holds the text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    text_column: String,
    /// CSV column that holds the item id [default: `id`, line numbers when absent].
    #[arg(long, value_name = "NAME")]
    id_column: Option<String>,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Stop at the first bad line.
    #[arg(long)]
    strict: bool,
    /// Print no summary and no progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Policy pack and model.
    #[command(flatten)]
    detector: DetectorArgs,
}

/// Arguments of `saring link`.
#[derive(Debug, Args)]
struct LinkArgs {
    /// NDJSON input files (`text`, `id`, `account`, `platform`); `-` or none reads stdin.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Hash the photos in this directory (file stem = item id or account).
    #[arg(long, value_name = "DIR")]
    images: Option<PathBuf>,
    /// Estimated Jaccard similarity at or above which two ads are one template.
    #[arg(long, value_name = "X", default_value_t = 0.8)]
    threshold: f64,
    /// MinHash signature length.
    #[arg(long, value_name = "N", default_value_t = 128)]
    perms: usize,
    /// LSH bands (must divide `--perms`).
    #[arg(long, value_name = "N", default_value_t = 32)]
    bands: usize,
    /// Characters per shingle.
    #[arg(long, value_name = "N", default_value_t = 5)]
    shingle_chars: usize,
    /// Ads with fewer shingles are not template-linked.
    #[arg(long, value_name = "N", default_value_t = 16)]
    min_shingles: usize,
    /// How ad text becomes shingles.
    #[arg(long, value_enum, default_value_t = link::Shingles::SlotsAndRaw)]
    shingles: link::Shingles,
    /// Photos whose 64-bit hashes differ in at most this many bits are one photo.
    #[arg(long, value_name = "BITS", default_value_t = 8)]
    photo_distance: u32,
    /// Chain guard: a template link joining two networks needs each ad within this
    /// similarity of one of the other network's first ads (0 turns it off).
    #[arg(long, value_name = "X", default_value_t = 0.75)]
    anchor_similarity: f64,
    /// Do not link on identifiers (phones, handles, accounts).
    #[arg(long)]
    no_identifiers: bool,
    /// Do not link on ad templates.
    #[arg(long)]
    no_templates: bool,
    /// Write only networks with at least this many accounts.
    #[arg(long, value_name = "N", default_value_t = 2)]
    min_members: usize,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Stop at the first bad line.
    #[arg(long)]
    strict: bool,
    /// Print no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Arguments of `saring explain`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["text", "file"]))]
struct ExplainArgs {
    /// The text to explain; `-` reads it from stdin.
    #[arg(value_name = "TEXT")]
    text: Option<String>,
    /// Read the text from this file.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Print the explanation as JSON.
    #[arg(long)]
    json: bool,
    /// Policy pack and model.
    #[command(flatten)]
    detector: DetectorArgs,
}

/// Arguments of `saring train`.
#[derive(Debug, Args)]
struct TrainArgs {
    /// Labelled JSON Lines files (`text`, `label`: solicitation, benign; others are skipped).
    #[arg(long, value_name = "FILE", required_unless_present = "from_db", num_args = 1..)]
    data: Vec<PathBuf>,
    /// Weakly labelled JSON Lines files (labels given by how the data was collected). Their
    /// positives are kept only when, with hashtags removed, a solicitation, service,
    /// third-party or minor-risk rule of the pack still fires; their negatives are kept.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    weak: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Random seed for shuffling and augmentation.
    #[arg(long, value_name = "N", default_value_t = saring_detect::TrainOptions::default().seed)]
    seed: u64,
    /// Passes over the data.
    #[arg(
        long,
        value_name = "N",
        default_value_t = saring_detect::TrainOptions::default().epochs,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    epochs: u32,
    /// `log2` of the number of hashed n-gram buckets (8 to 24).
    #[arg(
        long,
        value_name = "N",
        default_value_t = saring_detect::TrainOptions::default().buckets_log2,
        value_parser = clap::value_parser!(u8).range(8..=24)
    )]
    buckets_log2: u8,
    /// L2 penalty on the weights an example touches (larger: smoother, less memorising).
    #[arg(long, value_name = "X", default_value_t = saring_detect::TrainOptions::default().l2)]
    l2: f32,
    /// Weight of the examples of `--weak` files (other files' examples weigh 1).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    weak_weight: f32,
    /// Share of examples (0 to 1) that also get a disguised copy.
    #[arg(long, value_name = "RATE", default_value_t = 0.3)]
    augment_rate: f64,
    /// JSON Lines files whose texts (and near-duplicates) must not be trained on.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    exclude: Vec<PathBuf>,
    /// Policy pack (TOML) to train with instead of the builtin one.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Label corrections (JSON Lines: `id`, `label`, `was`, `reason`) applied to the rows of
    /// every input file, by id.
    #[arg(long, value_name = "FILE")]
    corrections: Option<PathBuf>,
    /// Split file (`source  id  part  group`): rows it puts in `dev` or `test` are not
    /// trained on, nor are their near-duplicates anywhere.
    #[arg(long, value_name = "FILE")]
    split: Option<PathBuf>,
    /// Also leave out training texts whose slot shingles are at least this Jaccard-similar
    /// to a held-out text (`--exclude`, `--calibrate`, split dev/test rows); above 1 turns it
    /// off.
    #[arg(long, value_name = "X", default_value_t = 0.7)]
    exclude_similar: f64,
    /// Labelled files to calibrate the scores on (Platt scaling) and to choose the threshold
    /// on; with `--split`, only their `dev` rows. Never trained on.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    calibrate: Vec<PathBuf>,
    /// Also learn from moderators' decisions in this store (freeze/restrict = solicitation,
    /// no_violation = benign), e.g. `sqlite://saring.db`.
    #[arg(long, value_name = "URL")]
    from_db: Option<String>,
    /// Only decisions made in the last DURATION (`90d`, `12h`).
    #[arg(long, value_name = "DURATION", requires = "from_db")]
    db_since: Option<String>,
    /// Weight of an item labelled by a moderator's decision (other examples weigh 1).
    #[arg(long, value_name = "X", default_value_t = 3.0)]
    decision_weight: f32,
}

/// Arguments of `saring backtest`.
#[derive(Debug, Args)]
struct BacktestArgs {
    /// The store, e.g. `sqlite://saring.db` (opened read-only in effect: nothing is written).
    #[arg(long, value_name = "URL", env = "SARING_DATABASE_URL")]
    db: String,
    /// Only content created in the last DURATION (`30d`, `12h`).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    since: String,
    /// Candidate model [default: the builtin one].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Candidate policy pack [default: the builtin one].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Compare with this detector's verdicts, recomputed, instead of the verdicts stored at
    /// ingest: the model of today's configuration (use with `--current-policy`).
    #[arg(long, value_name = "FILE")]
    current_model: Option<PathBuf>,
    /// Policy pack of the detector to compare with (see `--current-model`).
    #[arg(long, value_name = "FILE")]
    current_policy: Option<PathBuf>,
    /// Recompute the current verdicts with the builtin detector (when neither
    /// `--current-model` nor `--current-policy` is given).
    #[arg(long)]
    recompute_current: bool,
    /// Example ids to show per change.
    #[arg(long, value_name = "N", default_value_t = 5)]
    examples: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Text variants `eval` can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// The texts as written.
    Clean,
    /// The texts without hashtags.
    NoHashtags,
    /// The texts disguised in a random style each (seeded).
    Obfuscated,
    /// All of the above.
    All,
}

/// Baselines `eval` can compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Baseline {
    /// A plain keyword list matched on lower-cased text.
    Keyword,
}

/// Arguments of `saring eval`.
#[derive(Debug, Args)]
struct EvalArgs {
    /// Labelled JSON Lines files (`unknown` labels are skipped).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Which variant of the texts to score.
    #[arg(long, value_enum, default_value_t = Variant::All)]
    variant: Variant,
    /// Random seed for the obfuscated variant.
    #[arg(long, value_name = "N", default_value_t = 20261129)]
    seed: u64,
    /// Label threshold [default: the policy pack's].
    #[arg(long, value_name = "X")]
    threshold: Option<f32>,
    /// Also report per value of the input's `tags` field.
    #[arg(long)]
    tags: bool,
    /// Label corrections (JSON Lines: `id`, `label`, `was`, `reason`) applied by id.
    #[arg(long, value_name = "FILE")]
    corrections: Option<PathBuf>,
    /// Split file (`source  id  part  group`); with `--part`, only the rows of that part
    /// (and rows the split does not list) are scored.
    #[arg(long, value_name = "FILE", requires = "part")]
    split: Option<PathBuf>,
    /// The part of `--split` to score: train, dev or test.
    #[arg(long, value_name = "PART", requires = "split", value_parser = ["train", "dev", "test"])]
    part: Option<String>,
    /// Also evaluate a baseline on the same data: `keyword` (a plain keyword list, no
    /// normalisation).
    #[arg(long, value_enum)]
    baseline: Option<Baseline>,
    /// Write a precision-recall curve (`pr.svg`) and a reliability diagram
    /// (`reliability.svg`) of the clean variant into this directory.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Policy pack and model.
    #[command(flatten)]
    detector: DetectorArgs,
}

/// How a command that did not fail went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Everything was processed.
    Success,
    /// Some input was bad and skipped (or stopped the run with `--strict`).
    SomeBad,
}

fn main() -> ExitCode {
    // One TLS crypto provider for the process: async-nats and reqwest would otherwise bring
    // two, and rustls refuses to choose.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Link(args) => link::run(&args),
        Command::Serve(args) => serve_cmd(&args),
        Command::Worker(args) => worker_cmd(&args),
        Command::User(UserCommand::Add(args)) => admin::user_add(&args),
        Command::User(UserCommand::Passwd(args)) => admin::user_passwd(&args),
        Command::User(UserCommand::Token(args)) => admin::user_token(&args),
        Command::User(UserCommand::Disable(args)) => admin::user_disable(&args, true),
        Command::User(UserCommand::Enable(args)) => admin::user_disable(&args, false),
        Command::Platform(PlatformCommand::Add(args)) => admin::platform_add(&args),
        Command::Audit(AuditCommand::Verify(args)) => admin::audit_verify(&args),
        Command::Evidence(EvidenceCommand::Export(args)) => evidence::export(&args),
        Command::Evidence(EvidenceCommand::Verify(args)) => evidence::verify(&args),
        Command::Report(cmd) => report::cli::run(&cmd),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::SomeBad) => ExitCode::from(1),
        // A closed pipe (`saring scan big.ndjson | head`) is how the reader says it has
        // seen enough, not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `saring serve`: loads the configuration, starts logging and runs the service.
fn serve_cmd(args: &ServeArgs) -> anyhow::Result<Outcome> {
    use anyhow::Context as _;
    let mut config = config::Config::load(args.config.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(db) = &args.db {
        config.database_url.clone_from(db);
    }
    if let Some(mode) = args.ingest {
        config.ingest.mode = match mode {
            IngestMode::Store => "store",
            IngestMode::Nats => "nats",
        }
        .into();
    }
    if let Some(url) = &args.nats {
        config.nats.url.clone_from(url);
    }
    config.validate()?;
    init_logging(&config.log);
    let detector = if args.detector.policy.is_some() || args.detector.model.is_some() {
        Some(std::sync::Arc::new(input::load_detector(
            args.detector.policy.as_deref(),
            args.detector.model.as_deref(),
        )?))
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(serve::run(
        config,
        serve::ServeOptions {
            demo: args.demo,
            detector,
        },
    ))?;
    Ok(Outcome::Success)
}

/// `saring worker`: loads the configuration and runs a worker until SIGTERM or SIGINT.
fn worker_cmd(args: &WorkerArgs) -> anyhow::Result<Outcome> {
    use anyhow::Context as _;
    let mut config = config::Config::load(args.config.as_deref())?;
    if let Some(db) = &args.db {
        config.database_url.clone_from(db);
    }
    if let Some(url) = &args.nats {
        config.nats.url.clone_from(url);
    }
    config.validate()?;
    init_logging(&config.log);
    let detector = std::sync::Arc::new(
        input::load_detector(
            args.detector.policy.as_deref(),
            args.detector.model.as_deref(),
        )
        .context("could not load the detector")?,
    );
    let name = args.name.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}-{}", host.trim(), std::process::id())
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(worker::run(
        config,
        detector,
        name,
        serve::shutdown_signal(),
    ))?;
    Ok(Outcome::Success)
}

/// Starts structured logging on standard error.
fn init_logging(cfg: &config::LogConfig) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.filter));
    // Colours only on a terminal: log files and collectors get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = if cfg.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
