//! Bounded pools for CPU-heavy work (image decoding, argon2). A pool is `workers` threads of
//! its own, started once, and at most `queue` jobs waiting for them; beyond that a job is
//! refused at once with [`PoolError::Busy`], so a burst of expensive requests costs a quick
//! "try again" instead of memory. Dedicated threads (not tokio's blocking threads, of which
//! there may be hundreds) keep the memory that decoders and argon2 allocate to a few
//! threads' worth: the allocator reuses it instead of growing an arena per thread. A job
//! keeps its place until it finishes, even if the request that started it is gone.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use tokio::sync::{Semaphore, oneshot};

/// Why a job did not run to completion.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// Every worker is busy and the queue is full: try again shortly.
    #[error("the {0} pool is busy")]
    Busy(&'static str),
    /// The job panicked, or the pool has no workers left.
    #[error("a {0} job failed: {1}")]
    Failed(&'static str, String),
}

type Job = Box<dyn FnOnce() + Send>;

/// A bounded pool (see the module docs). Clones share the pool; its threads end when the
/// last clone is dropped.
#[derive(Clone, Debug)]
pub struct Pool {
    name: &'static str,
    jobs: mpsc::Sender<Job>,
    /// One permit per worker or queue place: held from admission until the job ends.
    admitted: Arc<Semaphore>,
}

impl Pool {
    /// A pool named `name` (for messages and thread names) of `workers` (at least 1) threads
    /// with `queue` waiting places.
    pub fn new(name: &'static str, workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, inbox) = mpsc::channel::<Job>();
        let inbox = Arc::new(Mutex::new(inbox));
        for i in 0..workers {
            let inbox = inbox.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("jd-{name}-{i}"))
                .spawn(move || {
                    loop {
                        // One worker waits on the inbox at a time; the others wait for it.
                        let job = match inbox.lock() {
                            Ok(inbox) => inbox.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, pool = name, "cannot start a pool thread");
            }
        }
        Self {
            name,
            jobs,
            admitted: Arc::new(Semaphore::new(workers + queue)),
        }
    }

    /// Runs `job` on one of the pool's threads once one is free, or refuses it at once when
    /// the queue is full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| PoolError::Busy(self.name))?;
        let (done, result) = oneshot::channel();
        let name = self.name;
        let wrapped: Job = Box::new(move || {
            let _place = admitted;
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            let _ = done.send(outcome.map_err(|_| "the job panicked".to_string()));
        });
        self.jobs
            .send(wrapped)
            .map_err(|_| PoolError::Failed(name, "the pool has stopped".into()))?;
        result
            .await
            .map_err(|_| PoolError::Failed(name, "the pool has stopped".into()))?
            .map_err(|why| PoolError::Failed(name, why))
    }
}

/// The pools of one server process.
#[derive(Clone, Debug)]
pub struct Pools {
    /// Decoding and re-encoding attachments.
    pub images: Pool,
    /// argon2 hashing and verification.
    pub passwords: Pool,
}

impl Pools {
    /// Both pools, each with `workers` workers and `queue` waiting places.
    pub fn new(workers: usize, queue: usize) -> Self {
        Self {
            images: Pool::new("image", workers, queue),
            passwords: Pool::new("password", workers, queue),
        }
    }
}

/// A memory budget shared by every job of one kind in the process, whatever the number of
/// workers: a job reserves what it will allocate before allocating it, and waits (on its own
/// worker thread) while the others hold the rest. A reservation larger than the whole budget
/// is cut to the budget, so it runs alone instead of never.
#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    free: Mutex<u64>,
    released: Condvar,
}

/// Bytes of a [`MemoryBudget`] held until dropped.
#[derive(Debug)]
pub struct Reservation<'a> {
    budget: &'a MemoryBudget,
    bytes: u64,
}

impl MemoryBudget {
    /// A budget of `total` bytes.
    pub const fn new(total: u64) -> Self {
        Self {
            total,
            free: Mutex::new(total),
            released: Condvar::new(),
        }
    }

    /// Waits until `bytes` (at most the whole budget) are free and holds them. Blocking: call
    /// it from a pool thread, never on the async executor.
    pub fn reserve(&self, bytes: u64) -> Reservation<'_> {
        let bytes = bytes.min(self.total);
        // A poisoned lock only means another job panicked while holding it: the count is a
        // plain number and still right.
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free < bytes {
            free = self
                .released
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= bytes;
        Reservation {
            budget: self,
            bytes,
        }
    }

    /// Bytes not reserved right now.
    pub fn available(&self) -> u64 {
        *self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut free = self
            .budget
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *free += self.bytes;
        self.budget.released.notify_all();
    }
}

/// The number of cores this process may use (at least 1).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_pool_refuses_at_once_and_never_runs_more_than_its_workers() {
        let pool = Pool::new("test", 2, 3);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(std::sync::Mutex::new(gate));
        let mut jobs = Vec::new();
        for _ in 0..5 {
            let (pool, running, most, gate) =
                (pool.clone(), running.clone(), most.clone(), gate.clone());
            jobs.push(tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    let _ = gate.lock().map(|g| g.recv());
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        // Five admitted (two running, three waiting): wait until they hold every place.
        while pool.admitted.available_permits() > 0 || running.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(|| ()).await;
        assert!(matches!(refused, Err(PoolError::Busy("test"))));
        for _ in 0..5 {
            release.send(()).expect("a job is waiting");
        }
        for job in jobs {
            assert!(job.await.expect("job task").is_ok());
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert!(pool.run(|| 7).await.is_ok_and(|n| n == 7));
    }

    #[test]
    fn a_memory_budget_lets_jobs_through_only_while_their_sum_fits() {
        static BUDGET: MemoryBudget = MemoryBudget::new(100);
        let first = BUDGET.reserve(60);
        assert_eq!(BUDGET.available(), 40);
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let second = BUDGET.reserve(60);
            let _ = tx.send(BUDGET.available());
            drop(second);
        });
        // The second waits while the first holds 60 of 100.
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err()
        );
        drop(first);
        assert_eq!(rx.recv_timeout(std::time::Duration::from_secs(5)), Ok(40));
        waiter.join().expect("waiter");
        // More than the whole budget is cut to it: the job runs alone rather than never.
        let huge = BUDGET.reserve(1_000);
        assert_eq!(BUDGET.available(), 0);
        drop(huge);
        assert_eq!(BUDGET.available(), 100);
    }
}
