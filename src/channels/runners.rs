//! The background task of each connected account (a mailbox's reader, an
//! Avito account's poller): started, replaced, stopped one at a time, and
//! all stopped together when the engine shuts down.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a stopping task may take to finish its step.
const STOP_GRACE: Duration = Duration::from_secs(5);

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
    /// one already running.
    pub async fn spawn<F>(&self, account_id: i64, task: impl FnOnce(CancellationToken) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let cancel = self.cancel.child_token();
        let handle = tokio::spawn(task(cancel.clone()));
        if let Some((old, handle)) = self.tasks.lock().await.insert(account_id, (cancel, handle)) {
            old.cancel();
            handle.abort();
        }
    }

    /// Stops the account's task, waiting a little for it to finish.
    pub async fn stop(&self, account_id: i64) {
        let task = self.tasks.lock().await.remove(&account_id);
        if let Some((cancel, handle)) = task {
            cancel.cancel();
            if tokio::time::timeout(STOP_GRACE, handle).await.is_err() {
                tracing::warn!(account_id, "{} did not stop in time", self.what);
            }
        }
    }

    /// Stops every task.
    pub async fn shutdown(&self) {
        self.cancel.cancel();
        let tasks: Vec<_> = self.tasks.lock().await.drain().collect();
        for (account_id, (_, handle)) in tasks {
            if tokio::time::timeout(STOP_GRACE, handle).await.is_err() {
                tracing::warn!(account_id, "{} did not stop in time", self.what);
            }
        }
    }
}
