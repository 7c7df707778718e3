//! A thread of its own, at a lower scheduling priority, for CPU work that nobody waits on.
//!
//! The linker follows the committed events off the request path (`networks.rs`), but on the
//! same cores: when ingest keeps both cores busy, the linker's CPU comes out of scoring,
//! HTTP and the writer, which a client is waiting for. On its own thread with a higher nice
//! value (`networks.linker_nice`), the kernel gives it what the request path leaves, and it
//! catches up when ingest slows down — links and ban-evasion cases come a little later under
//! load, none is lost (the linker's cursor only moves after a page is linked and recorded).
//! Not `spawn_blocking`: the blocking pool's threads also score ingested batches, and a
//! thread's nice value stays with the thread.

use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

/// A named thread that runs the jobs given to [`Background::run`], one at a time, in order.
/// The thread ends when the `Background` is dropped (after the job it is running).
#[derive(Debug)]
pub struct Background {
    jobs: mpsc::Sender<Job>,
    name: String,
}

impl Background {
    /// Starts the thread `name` with its nice value raised by `nice` above the process's
    /// (0 = the same priority; at most 19 in all, the lowest; the kernel does not let an
    /// unprivileged process raise a thread's priority back).
    pub fn start(name: &str, nice: i32) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let thread_name = name.to_owned();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                if nice != 0
                    && let Err(e) = lower_priority(nice)
                {
                    tracing::warn!(thread = %thread_name, nice, error = %e,
                        "could not lower the thread's priority; it runs at the process's");
                }
                for job in rx {
                    job();
                }
            })?;
        Ok(Self {
            jobs,
            name: name.to_owned(),
        })
    }

    /// Runs `f` on the thread and waits for its result without blocking the async runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| anyhow::anyhow!("the {} thread has stopped", self.name))?;
        rx.await.map_err(|_| {
            anyhow::anyhow!(
                "the {} thread stopped during a job (a panic: see the log)",
                self.name
            )
        })
    }
}

/// Sets the calling thread's nice value (Linux: `setpriority` on the thread's id applies to
/// that thread alone).
#[cfg(target_os = "linux")]
fn lower_priority(by: i32) -> std::io::Result<()> {
    let me = Some(rustix::thread::gettid());
    let now = rustix::process::getpriority_process(me)?;
    rustix::process::setpriority_process(me, now.saturating_add(by).min(19))
        .map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_by: i32) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "per-thread priorities are only set on Linux",
    ))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn own_nice() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("getpriority")
    }

    #[tokio::test]
    async fn jobs_run_in_order_on_a_thread_with_the_nice_value_given() {
        let base = own_nice();
        let bg = Background::start("test-background", 7).expect("the thread starts");
        let (name, nice) = bg
            .run(|| (std::thread::current().name().map(str::to_owned), own_nice()))
            .await
            .expect("the job runs");
        assert_eq!(name.as_deref(), Some("test-background"));
        // Raised by 7 above the caller's, at most to 19.
        assert_eq!(nice, (base + 7).min(19));
        // The caller's own thread is untouched.
        assert_eq!(own_nice(), base);
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        for i in 0..5 {
            let order = std::sync::Arc::clone(&order);
            bg.run(move || order.lock().expect("lock").push(i))
                .await
                .expect("the job runs");
        }
        assert_eq!(*order.lock().expect("lock"), vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_not_a_hang() {
        let bg = Background::start("test-panic", 0).expect("the thread starts");
        let Err(err) = bg.run(|| -> u8 { panic!("boom") }).await else {
            panic!("a job that panics returned a value");
        };
        assert!(err.to_string().contains("test-panic"), "{err}");
        // The thread is gone: later jobs fail too (whether the channel has closed yet or
        // the job is dropped unrun).
        let Err(err) = bg.run(|| 1).await else {
            panic!("a job ran on a thread that had stopped");
        };
        assert!(err.to_string().contains("test-panic"), "{err}");
    }
}
