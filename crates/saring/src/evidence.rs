//! `saring evidence export CASE` and `saring evidence verify BUNDLE`: a case's evidence as one
//! sealed JSON file that anyone can check offline (`saring_core::evidence`).

use std::io::Write;

use anyhow::{Context, bail};
use saring_core::ids::CaseId;
use saring_store::Store;

use crate::serve::Clock;
use crate::{EvidenceExportArgs, EvidenceVerifyArgs, Outcome};

/// `saring evidence export`: writes the bundle and records the export (with the manifest's
/// hash) in the audit log.
pub fn export(args: &EvidenceExportArgs) -> anyhow::Result<Outcome> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(&args.store.db)
            .await
            .with_context(|| format!("could not open the store at {}", args.store.db))?;
        let now = Clock::default().now();
        let Some(contents) = store.evidence_contents(CaseId(args.case)).await? else {
            bail!("case {} not found", args.case);
        };
        let platform = contents.case["case"]["platform"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (bundle, manifest_sha256) =
            saring_core::evidence::seal(&contents, now, &args.actor);
        match &args.out {
            Some(path) => std::fs::write(path, bundle.as_bytes())
                .with_context(|| format!("could not write {}", path.display()))?,
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(bundle.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
                    .context("could not write the bundle to standard output")?;
            }
        }
        store
            .record_evidence_export(CaseId(args.case), &platform, &manifest_sha256, &args.actor, now)
            .await?;
        store.close().await;
        eprintln!(
            "evidence of case {}: {} items, {} audit entries; manifest SHA-256 {manifest_sha256} (recorded in the audit log)",
            args.case,
            contents.items.len(),
            contents.audit.len()
        );
        Ok(Outcome::Success)
    })
}

/// `saring evidence verify`: exit 0 when the bundle is intact, 1 naming every place that was
/// changed.
pub fn verify(args: &EvidenceVerifyArgs) -> anyhow::Result<Outcome> {
    let text = std::fs::read_to_string(&args.bundle)
        .with_context(|| format!("could not read {}", args.bundle.display()))?;
    match saring_core::evidence::verify(&text) {
        Ok(v) => {
            println!(
                "bundle intact: case {}, {} items ({} purged, kept by hash), {} audit entries; manifest SHA-256 {}",
                v.manifest.case_id, v.items, v.purged, v.audit_entries, v.manifest_sha256
            );
            println!(
                "compare the manifest SHA-256 with the service's audit entry evidence.exported for case {}",
                v.manifest.case_id
            );
            Ok(Outcome::Success)
        }
        Err(problems) => {
            println!("bundle NOT intact ({} problems):", problems.len());
            for p in problems {
                println!("  {p}");
            }
            Ok(Outcome::SomeBad)
        }
    }
}
