//! The one thread on which the service reads the store for its answers: the
//! metrics snapshot and the dashboard's builds.
//!
//! Why one thread. A read of 10,000 desks allocates tens of MiB and frees
//! them when it is done; the allocator (mimalloc) keeps what a thread freed
//! for that thread's next allocations. Reads on several threads (the
//! metrics on one of tokio's blocking threads, the dashboard on a thread of
//! its own) each kept their peak resident beside the others': measured at
//! 10,000 desks, the service peaked at 133 MiB where one read needs about
//! 80 (docs/PERFORMANCE.md, issue 15). On one thread, the reads reuse one
//! heap and take turns, which the store's single lock asks of them anyway.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// The reader thread's queue; started by the first job, started again if it
/// ever stopped.
static QUEUE: Mutex<Option<mpsc::Sender<Job>>> = Mutex::new(None);

/// Runs `job` on the reader thread, after the jobs queued before it, and
/// returns at once.
pub fn spawn(job: impl FnOnce() + Send + 'static) -> Result<(), String> {
    let mut queue = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    let job: Job = Box::new(job);
    let job = match queue.as_ref() {
        Some(q) => match q.send(job) {
            Ok(()) => return Ok(()),
            Err(mpsc::SendError(job)) => job,
        },
        None => job,
    };
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("store-reader".into())
        .spawn(move || {
            for job in rx {
                // A job that panics (a bug) fails its caller, which sees
                // its answer dropped; the thread goes on with the next.
                if catch_unwind(AssertUnwindSafe(job)).is_err() {
                    tracing::error!("a read of the store panicked");
                }
            }
        })
        .map_err(|e| format!("cannot start the service's reader thread: {e}"))?;
    tx.send(job)
        .map_err(|_| "the service's reader thread stopped".to_owned())?;
    *queue = Some(tx);
    Ok(())
}

/// Runs `f` on the reader thread and waits for its result.
pub fn run<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Result<R, String> {
    let (tx, rx) = mpsc::sync_channel(1);
    spawn(move || {
        let _ = tx.send(f());
    })?;
    rx.recv()
        .map_err(|_| "a read of the store failed (see the log)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_in_order_on_one_thread_that_survives_a_panic() {
        let first = run(|| std::thread::current().id()).unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..5 {
            let tx = tx.clone();
            spawn(move || tx.send((i, std::thread::current().id())).unwrap()).unwrap();
        }
        let seen: Vec<_> = rx.iter().take(5).collect();
        assert_eq!(
            seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert!(seen.iter().all(|(_, t)| *t == first));
        assert_ne!(first, std::thread::current().id());
        // A panicking read fails its caller only.
        let err = run(|| -> u8 { panic!("a bug") }).unwrap_err();
        assert!(err.contains("failed"), "{err}");
        assert_eq!(run(|| std::thread::current().id()).unwrap(), first);
    }
}
