//! Waiting on a fake's state: a test looks again after every change the fake
//! announces, instead of polling on a timer.

use std::time::Duration;

use tokio::sync::watch;

/// Waits until `condition` holds, looking again after every change sent on
/// `changes`; `false` if it still does not after `timeout`.
pub(crate) async fn until(
    mut changes: watch::Receiver<u64>,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return condition();
                }
            }
            () = tokio::time::sleep_until(deadline) => return condition(),
        }
    }
}
