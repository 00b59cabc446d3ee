//! The supervised background task of each connected account (a bot's
//! poller, a mailbox's reader, an Avito account's poller): started, replaced,
//! stopped one at a time, all stopped together when the engine shuts down.
//! A task that panics is started again after a growing pause; one that
//! returns has finished on purpose (its account was refused, say) and stays
//! stopped. A stopping task gets [`STOP_GRACE`] to finish its step.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a stopping task may take to finish its step.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The pauses before restarting a task that panicked: doubling up to the last.
const RESTART_MIN: Duration = Duration::from_millis(500);
const RESTART_MAX: Duration = Duration::from_secs(60);

pub struct Runners {
    /// What the tasks are, for log lines ("a mailbox reader").
    what: &'static str,
    tasks: Mutex<HashMap<i64, (CancellationToken, JoinHandle<()>)>>,
    cancel: CancellationToken,
}

impl Runners {
    pub fn new(what: &'static str) -> Self {
        Self {
            what,
            tasks: Mutex::new(HashMap::new()),
            cancel: CancellationToken::new(),
        }
    }

    /// Starts the account's task (given its cancellation token), replacing
    /// one already running. `task` is called again to restart it after a panic.
    pub async fn spawn<T, F>(&self, account_id: i64, task: T)
    where
        T: Fn(CancellationToken) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let cancel = self.cancel.child_token();
        let what = self.what;
        let token = cancel.clone();
        let handle = tokio::spawn(async move {
            let mut pause = RESTART_MIN;
            loop {
                let run = tokio::spawn(task(token.clone()));
                match run.await {
                    Ok(()) => break,
                    Err(e) if e.is_panic() && !token.is_cancelled() => {
                        tracing::error!(
                            account_id,
                            "{what} failed; starting it again in {pause:?}"
                        );
                        tokio::select! {
                            () = token.cancelled() => break,
                            () = tokio::time::sleep(pause) => {}
                        }
                        pause = (pause * 2).min(RESTART_MAX);
                    }
                    Err(_) => break,
                }
            }
        });
        let old = self.tasks.lock().await.insert(account_id, (cancel, handle));
        if let Some((old, handle)) = old {
            old.cancel();
            self.wait(account_id, handle).await;
        }
    }

    /// Whether the account's task is running.
    pub async fn running(&self, account_id: i64) -> bool {
        self.tasks
            .lock()
            .await
            .get(&account_id)
            .is_some_and(|(_, handle)| !handle.is_finished())
    }

    /// Stops the account's task, waiting a little for it to finish.
    pub async fn stop(&self, account_id: i64) {
        let task = self.tasks.lock().await.remove(&account_id);
        if let Some((cancel, handle)) = task {
            cancel.cancel();
            self.wait(account_id, handle).await;
        }
    }

    async fn wait(&self, account_id: i64, mut handle: JoinHandle<()>) {
        if tokio::time::timeout(STOP_GRACE, &mut handle).await.is_err() {
            tracing::warn!(account_id, "{} did not stop in time", self.what);
            handle.abort();
        }
    }

    /// Stops every task.
    pub async fn shutdown(&self) {
        self.cancel.cancel();
        let tasks: Vec<_> = self.tasks.lock().await.drain().collect();
        for (account_id, (_, handle)) in tasks {
            self.wait(account_id, handle).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_is_started_again_and_one_that_returns_is_not() {
        let runners = Runners::new("a test task");
        let starts = Arc::new(AtomicU32::new(0));
        let counted = starts.clone();
        runners
            .spawn(1, move |cancel| {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        panic!("a failing step");
                    }
                    cancel.cancelled().await;
                }
            })
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(
            starts.load(Ordering::SeqCst),
            3,
            "restarted after each panic"
        );
        assert!(runners.running(1).await);

        let once = Arc::new(AtomicU32::new(0));
        let counted = once.clone();
        runners
            .spawn(2, move |_| {
                counted.fetch_add(1, Ordering::SeqCst);
                async {}
            })
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(
            once.load(Ordering::SeqCst),
            1,
            "a task that returned stays stopped"
        );
        assert!(!runners.running(2).await);

        runners.stop(1).await;
        assert!(!runners.running(1).await, "stopped on request");
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_ignores_the_stop_is_ended_after_the_grace() {
        let runners = Runners::new("a stubborn task");
        runners
            .spawn(1, |_| async {
                tokio::time::sleep(Duration::from_secs(3_600)).await;
            })
            .await;
        let started = tokio::time::Instant::now();
        runners.shutdown().await;
        assert!(started.elapsed() >= STOP_GRACE && started.elapsed() < STOP_GRACE * 2);
        assert!(!runners.running(1).await);
    }
}
