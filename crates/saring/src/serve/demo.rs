//! `saring serve --demo`: two platforms, one user per role, and a day of invented content, so
//! the service can be tried at once. Every name, account and number here is invented.

use saring_core::auth::{POLICE, REGULATOR, Role, SYSTEM};
use saring_core::event::{EventKind, NewEvent};
use saring_detect::{Detector, Scratch};
use saring_store::{IngestParams, ScoredEvent, Store};

use super::{Clock, new_token, token_hash};

/// Invented content: (platform, account, kind, text).
const CONTENT: &[(&str, &str, EventKind, &str)] = &[
    (
        "michat",
        "mc-1001",
        EventKind::Nearby,
        "0p3n b0 ready kalcit, ST 500 LT 1,2jt, wa 0812 0000 1001",
    ),
    (
        "michat",
        "mc-1001",
        EventKind::Profile,
        "open bo tower jasmine, no pelit, dp dulu ya",
    ),
    (
        "michat",
        "mc-1002",
        EventKind::Nearby,
        "masih sekolah kak, abg 16 tahun, bisa bo, wa 0857-0000-1002",
    ),
    (
        "michat",
        "mc-1003",
        EventKind::Post,
        "update anak baru mami:\n1. Sinta 21th 600/1,5jt\n2. Dewi 23th 700/1,8jt\norder lewat admin, wajib dp",
    ),
    (
        "michat",
        "mc-1004",
        EventKind::Post,
        "ready stock gamis syari, COD jabodetabek, WA 0813 0000 1004",
    ),
    (
        "michat",
        "mc-1005",
        EventKind::Nearby,
        "disewakan apartemen Kalibata City harian, 2BR, hubungi pengelola",
    ),
    (
        "michat",
        "mc-1006",
        EventKind::Post,
        "avail vcs 150rb 20 menit, pembayaran di awal",
    ),
    (
        "michat",
        "mc-1007",
        EventKind::Post,
        "hati-hati penipuan berkedok open bo, jangan transfer dp ke orang tidak dikenal",
    ),
    (
        "beetalk",
        "bt-2001",
        EventKind::Nearby,
        "🅾️🅿️🅴🅽 🅱️🅾️ malam ini, include room, rr via wa ya kak",
    ),
    (
        "beetalk",
        "bt-2002",
        EventKind::Post,
        "polisi ungkap praktik prostitusi online di apartemen, dua muncikari ditangkap",
    ),
    (
        "beetalk",
        "bt-2003",
        EventKind::Profile,
        "suka jalan-jalan dan kopi, cari teman ngobrol",
    ),
];

/// The console password of every demo user (demo data only; printed at start).
pub const DEMO_PASSWORD: &str = "saring-demo-2026";

/// The demo users: (name, tenant, role).
const USERS: &[(&str, &str, Role)] = &[
    ("michat-admin", "michat", Role::Admin),
    ("michat-mod-1", "michat", Role::Moderator),
    ("michat-mod-2", "michat", Role::Moderator),
    ("beetalk-mod-1", "beetalk", Role::Moderator),
    ("regulator-1", REGULATOR, Role::Regulator),
    ("police-1", POLICE, Role::Police),
    ("auditor-1", SYSTEM, Role::Auditor),
    ("beetalk-admin", "beetalk", Role::Admin),
];

/// Seeds the demo data on a store without platforms. On a store that has them already, it
/// prints fresh tokens for the demo users instead (tokens are stored only as hashes, so the
/// old ones cannot be shown again).
pub async fn seed(store: &Store, detector: &Detector, clock: &Clock) -> anyhow::Result<()> {
    let now = clock.now();
    if !store.platforms().await?.is_empty() {
        println!(
            "Demo data: the store has platforms already; nothing seeded. New tokens for the demo users:"
        );
        for (name, _, _) in USERS.iter().chain(&[("admin", SYSTEM, Role::Admin)]) {
            let token = new_token();
            if store
                .reset_token(name, &token_hash(&token), "demo", now)
                .await?
            {
                println!("  {name:<14} {token}");
            }
        }
        return Ok(());
    }
    store
        .create_platform("michat", "MiChat (demo)", 0.8, "system", now)
        .await?;
    store
        .create_platform("beetalk", "BeeTalk (demo)", 0.8, "system", now)
        .await?;
    println!("Demo users (tokens are shown only now; console password for all: {DEMO_PASSWORD}):");
    let phc = super::hash_password(DEMO_PASSWORD)?;
    for (name, tenant, role) in USERS {
        let token = new_token();
        store
            .create_user(name, tenant, *role, &token_hash(&token), "system", now)
            .await?;
        store.set_password(name, &phc, "demo", now).await?;
        println!("  {name:<14} {tenant:<9} {:<9} {token}", role.as_str());
    }
    let mut scratch = Scratch::default();
    let batch: Vec<ScoredEvent> = CONTENT
        .iter()
        .enumerate()
        .map(|(i, &(platform, account, kind, text))| {
            let event = NewEvent {
                platform: platform.into(),
                account: account.into(),
                event_id: format!("demo-{i}"),
                kind,
                text: text.into(),
                ts: now - (CONTENT.len() - i) as i64 * 3_600_000,
                contacts: vec![],
                photo_hashes: vec![],
                location: text
                    .to_lowercase()
                    .contains("kalcit")
                    .then(|| "Kalibata City".to_owned()),
            };
            super::ingest::score_event(detector, &mut scratch, event)
        })
        .collect();
    store
        .ingest(&batch, &IngestParams::default(), "demo", now)
        .await?;
    let open: usize = store
        .queue(&saring_store::CaseFilter {
            platform: Some("michat".into()),
            ..Default::default()
        })
        .await?
        .len()
        + store
            .queue(&saring_store::CaseFilter {
                platform: Some("beetalk".into()),
                ..Default::default()
            })
            .await?
            .len();
    println!(
        "Demo content: {} events on michat and beetalk, {open} cases open.",
        CONTENT.len()
    );
    Ok(())
}
