//! The Dashboard: how the shop answers in a period, for the window, the CSV
//! export and `tuberry stats`.

use crate::engine::Engine;
use crate::error::Error;
use crate::stats::{Dashboard, DashboardQuery, Period};

use super::ApiResult;

/// The last `days` local days (1: today) up to now, in this computer's zone.
pub async fn last_days(engine: &Engine, days: u32) -> ApiResult<Period> {
    if !(1..=366).contains(&days) {
        return Err(Error::invalid(format!("a period is 1 to 366 days, not {days}")).into());
    }
    let tz = crate::clock::system_zone();
    let today = Period::today(engine.clock().now_ms(), tz);
    Ok(Period {
        from: crate::stats::days_before(today.from, tz, i64::from(days) - 1),
        to: today.to,
    })
}

/// The Dashboard of `query`, days and hours in this computer's time zone.
pub async fn dashboard(engine: &Engine, query: DashboardQuery) -> ApiResult<Dashboard> {
    let tz = crate::clock::system_zone();
    let now = engine.clock().now_ms();
    let mut conn = engine.store().conn().await?;
    Ok(crate::stats::dashboard(&mut conn, query, tz, now).await?)
}

/// Saves the Dashboard of `query` as a CSV file in `folder` (the user's
/// Downloads folder when `None`) and answers the file's path.
pub async fn export_dashboard_csv(
    engine: &Engine,
    query: DashboardQuery,
    folder: Option<String>,
) -> ApiResult<String> {
    let dashboard = dashboard(engine, query).await?;
    let csv = dashboard.to_csv();
    let day = |at| {
        chrono::DateTime::from_timestamp_millis(at)
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
    };
    let stem = format!(
        "tuberry-dashboard-{}-{}",
        day(dashboard.query.period.from),
        day(dashboard.query.period.to - 1)
    );
    let path = super::support::save_in(engine, folder, &stem, "csv", csv.as_bytes())?;
    tracing::info!(path = %path.display(), "dashboard exported");
    Ok(path.display().to_string())
}
