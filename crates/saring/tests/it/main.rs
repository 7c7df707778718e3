//! Integration tests of the `saring` binary: one test binary, one module per area (ripgrep's
//! layout). Every test trains a tiny model into a temporary directory first and passes it
//! with `--model`, so the tests do not depend on the model shipped with the build.

mod console_dashboard;
#[cfg(feature = "services")]
mod console_e2e;
mod console_network;
mod console_pages;
mod console_requests;
mod eval_report;
mod evidence_bundle;
mod explain_text;
mod link_networks;
mod model_db;
mod model_eval;
mod report_dsa;
mod report_fixture;
mod report_locations;
mod report_transparency;
mod scan_csv;
mod scan_ndjson;
mod serve_authz;
mod serve_crash;
#[cfg(feature = "services")]
mod serve_disk_full;
#[cfg(feature = "services")]
mod serve_dispatchers;
mod serve_faults;
mod serve_input;
mod serve_legal_hold;
mod serve_lifecycle;
mod serve_networks;
mod serve_requests;
mod serve_security;
mod support;
mod train_model;
mod util;
mod webhook_dispatch;
#[cfg(feature = "services")]
mod worker_stream;
