//! Administrative commands that work on the store directly: `saring user add|passwd|token|
//! disable|enable`,
//! `saring platform add` and `saring audit verify`.

use anyhow::{Context, bail};
use saring_core::auth::Role;
use saring_store::Store;

use crate::serve::{Clock, new_token, token_hash};
use crate::{AuditArgs, Outcome, PlatformAddArgs, UserAddArgs, UserNameArgs, UserPasswdArgs};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

async fn open(db: &str) -> anyhow::Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("could not open the store at {db}"))
}

/// `saring user add`.
pub fn user_add(args: &UserAddArgs) -> anyhow::Result<Outcome> {
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "unknown role {:?}; expected admin, moderator, regulator, police or auditor",
            args.role
        )
    })?;
    runtime()?.block_on(async {
        let store = open(&args.store.db).await?;
        let token = new_token();
        let user = store.create_user(&args.name, &args.tenant, role, &token_hash(&token), "cli", Clock::default().now()).await?;
        println!("Created user {} (id {}, tenant {}, role {}). Its token, shown only this once:\n\n    {token}\n", user.name, user.id, user.tenant, user.role);
        store.close().await;
        Ok(Outcome::Success)
    })
}

/// `saring user passwd`: reads the password from the first line of standard input.
pub fn user_passwd(args: &UserPasswdArgs) -> anyhow::Result<Outcome> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 12 {
        bail!("the password must have at least 12 characters");
    }
    let phc = crate::serve::hash_password(password)?;
    runtime()?.block_on(async {
        let store = open(&args.store.db).await?;
        store
            .set_password(&args.name, &phc, "cli", Clock::default().now())
            .await?;
        println!("Set the console password of {}.", args.name);
        store.close().await;
        Ok(Outcome::Success)
    })
}

/// `saring user token`: a new token replaces the user's current one.
pub fn user_token(args: &UserNameArgs) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let store = open(&args.store.db).await?;
        let token = new_token();
        let found = store
            .reset_token(&args.name, &token_hash(&token), "cli", Clock::default().now())
            .await?;
        store.close().await;
        if !found {
            bail!("no user named {:?}", args.name);
        }
        println!(
            "Issued a new token for {}; the old one no longer works. The new token, shown only this once:\n\n    {token}\n",
            args.name
        );
        Ok(Outcome::Success)
    })
}

/// `saring user disable` / `saring user enable`.
pub fn user_disable(args: &UserNameArgs, disabled: bool) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let store = open(&args.store.db).await?;
        let found = store
            .set_disabled(&args.name, disabled, "cli", Clock::default().now())
            .await?;
        store.close().await;
        if !found {
            bail!("no user named {:?}", args.name);
        }
        if disabled {
            println!(
                "Disabled {}: their token and console sessions are refused.",
                args.name
            );
        } else {
            println!("Enabled {} again.", args.name);
        }
        Ok(Outcome::Success)
    })
}

/// `saring platform add`.
pub fn platform_add(args: &PlatformAddArgs) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let store = open(&args.store.db).await?;
        let p = store
            .create_platform(
                &args.id,
                args.name.as_deref().unwrap_or(&args.id),
                args.threshold,
                "cli",
                Clock::default().now(),
            )
            .await?;
        println!(
            "Created platform {} (case threshold {}).",
            p.id, p.case_threshold
        );
        store.close().await;
        Ok(Outcome::Success)
    })
}

/// `saring audit verify`: exit 0 when the chain is intact, 1 naming the first bad entry.
pub fn audit_verify(args: &AuditArgs) -> anyhow::Result<Outcome> {
    if !args.store.db.starts_with("sqlite:") && !args.store.db.starts_with("postgres") {
        bail!("--db must be a sqlite:// or postgres:// URL");
    }
    runtime()?.block_on(async {
        let store = open(&args.store.db).await?;
        let result = store.verify_audit().await?;
        store.close().await;
        match result {
            Ok((n, head)) => {
                println!("audit log intact: {n} entries, head {head}");
                Ok(Outcome::Success)
            }
            Err(b) => {
                println!("audit log BROKEN: {b}");
                Ok(Outcome::SomeBad)
            }
        }
    })
}
