//! The Dashboard's figures against a small data set with known answers: a
//! conversation that crosses local midnight, counted in Moscow, in UTC and in
//! a zone half an hour off.

use chrono::TimeZone;
use chrono_tz::Tz;
use sqlx::SqliteConnection;
use tuberry::model::ChannelKind;
use tuberry::stats::{AgeBand, Dashboard, DashboardQuery, Period, dashboard};
use tuberry::store::Store;

const MINUTE: i64 = 60_000;

fn moscow(day: u32, hour: u32, minute: u32) -> i64 {
    let tz: Tz = "Europe/Moscow".parse().unwrap();
    tz.with_ymd_and_hms(2026, if day > 20 { 11 } else { 12 }, day, hour, minute, 0)
        .unwrap()
        .timestamp_millis()
}

async fn exec(db: &mut SqliteConnection, sql: &'static str, binds: &[i64]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&mut *db).await.unwrap();
}

/// conversation, account, direction, author, created_at, person
async fn message(
    db: &mut SqliteConnection,
    c: i64,
    account: i64,
    dir: &str,
    author: &str,
    at: i64,
    person: Option<i64>,
) {
    sqlx::query(
        "INSERT INTO messages (conversation_id, channel_account_id, direction, author_kind, text,
                               external_id, delivery, created_at, person_id)
         VALUES (?1, ?2, ?3, ?4, 'text', CASE WHEN ?3 = 'in' THEN 'x' || ?5 END,
                 CASE WHEN ?3 = 'out' THEN 'sent' END, ?5, ?6)",
    )
    .bind(c)
    .bind(account)
    .bind(dir)
    .bind(author)
    .bind(at)
    .bind(person)
    .execute(&mut *db)
    .await
    .unwrap();
}

/// A: Telegram, project 1, starts 23:50 on 1 December (Moscow), an operator
/// answers at 00:10, closed at 01:50. B: e-mail, project 2, starts 10:00 on
/// 2 December, the assistant answers at 10:05, the customer writes again at
/// 10:30 and waits. C: Telegram, started on 30 November, only an
/// auto-reply, waiting for a person since then.
async fn seed(db: &mut SqliteConnection) {
    exec(
        db,
        "INSERT INTO projects (id, name, created_at) VALUES (1, 'Shop', 0), (2, 'Other', 0)",
        &[],
    )
    .await;
    exec(
        db,
        "INSERT INTO channel_accounts (id, project_id, kind, name, external_id, created_at)
         VALUES (1, 1, 'telegram_bot', 'Bot', '1', 0), (2, 2, 'email', 'Mail', 'shop@example.com', 0)",
        &[],
    )
    .await;
    exec(
        db,
        "INSERT INTO contacts (id, display_name, search_key, created_at, updated_at)
         VALUES (1, 'A', 'a', 0, 0), (2, 'B', 'b', 0, 0), (3, 'C', 'c', 0, 0)",
        &[],
    )
    .await;
    exec(
        db,
        "INSERT INTO people (id, telegram_user_id, name, role, linked_at) VALUES (1, 501, 'Olga', 'operator', 0)",
        &[],
    )
    .await;
    let (a, b, c) = (moscow(1, 23, 50), moscow(2, 10, 0), moscow(30, 12, 0));
    exec(
        db,
        "INSERT INTO conversations (id, project_id, channel_account_id, contact_id, external_thread_id,
                                    status, last_message_at, last_message_direction, created_at, updated_at)
         VALUES (1, 1, 1, 1, 'a', 'answered_by_assistant', ?1, 'out', ?1, ?1),
                (2, 2, 2, 2, 'b', 'awaiting_response', ?2, 'in', ?2, ?2),
                (3, 1, 1, 3, 'c', 'needs_human', ?3, 'in', ?3, ?3)",
        &[a, b, c],
    )
    .await;
    message(db, 1, 1, "in", "customer", a, None).await;
    message(db, 1, 1, "out", "operator", a + 20 * MINUTE, Some(1)).await;
    message(db, 2, 2, "in", "customer", b, None).await;
    message(db, 2, 2, "out", "assistant", b + 5 * MINUTE, None).await;
    message(db, 2, 2, "in", "customer", b + 30 * MINUTE, None).await;
    message(db, 3, 1, "in", "customer", c, None).await;
    message(db, 3, 1, "out", "auto_reply", c + 5_000, None).await;
    // Closing sets closed_at whichever code closes it.
    exec(
        db,
        "UPDATE conversations SET status = 'closed', updated_at = ?1 WHERE id = 1",
        &[a + 120 * MINUTE],
    )
    .await;
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite3")).await.unwrap();
    seed(&mut store.conn().await.unwrap()).await;
    (dir, store)
}

fn query(project_id: Option<i64>, channel: Option<ChannelKind>) -> DashboardQuery {
    DashboardQuery {
        period: Period {
            from: moscow(1, 0, 0),
            to: moscow(3, 0, 0),
        },
        project_id,
        channel,
    }
}

async fn board(store: &Store, q: DashboardQuery, zone: &str) -> Dashboard {
    let tz: Tz = zone.parse().unwrap();
    let mut conn = store.conn().await.unwrap();
    dashboard(&mut conn, q, tz, moscow(2, 12, 30))
        .await
        .unwrap()
}

fn day(d: &Dashboard, date: &str) -> (u32, u32, u32) {
    let f = d
        .days
        .iter()
        .find(|f| f.day == date)
        .unwrap_or_else(|| panic!("{date} in {:?}", d.days));
    (f.new_conversations, f.messages_in, f.messages_out)
}

fn waiting(d: &Dashboard, band: AgeBand) -> u32 {
    d.waiting
        .iter()
        .find(|w| w.band == band)
        .unwrap()
        .conversations
}

#[tokio::test]
async fn dashboard_figures_match_a_data_set_with_known_answers() {
    let (_dir, store) = store().await;
    let d = board(&store, query(None, None), "Europe/Moscow").await;
    assert_eq!(d.zone, "Europe/Moscow");
    let days: Vec<&str> = d.days.iter().map(|f| f.day.as_str()).collect();
    assert_eq!(days, ["2026-12-01", "2026-12-02"]);
    // A's answer at 00:10 belongs to the 2nd, its question to the 1st.
    assert_eq!(day(&d, "2026-12-01"), (1, 1, 0));
    assert_eq!(day(&d, "2026-12-02"), (1, 2, 2));
    assert_eq!(d.figures.new_conversations, 2);
    assert_eq!(d.figures.answered, 2);
    assert_eq!(d.figures.first_response_median_ms, Some(5 * MINUTE));
    assert_eq!(d.figures.first_response_p90_ms, Some(20 * MINUTE));
    assert_eq!(
        (d.figures.replies_by_people, d.figures.replies_by_assistant),
        (1, 1)
    );
    // C's auto-reply was on 30 November, outside the period.
    assert_eq!(d.figures.replies_by_auto_reply, 0);
    assert_eq!(d.resolved, 1);
    assert_eq!(d.resolution_median_ms, Some(120 * MINUTE));
    assert_eq!(d.needed_a_person, 1);
    // B waits since 10:30 (2 h at 12:30), C since 30 November.
    assert_eq!(waiting(&d, AgeBand::UnderFourHours), 1);
    assert_eq!(waiting(&d, AgeBand::OverDay), 1);
    assert_eq!(waiting(&d, AgeBand::UnderQuarterHour), 0);
    assert_eq!(d.people.len(), 1);
    assert_eq!(d.people[0].name, "Olga");
    assert_eq!(d.people[0].replies, 1);
    assert_eq!(d.people[0].median_response_ms, Some(20 * MINUTE));
    // 1 December 2026 is a Tuesday: A at Tue 23:00, B twice at Wed 10:00.
    assert_eq!(d.busiest_hours.len(), 7);
    assert_eq!(d.busiest_hours[1][23], 1);
    assert_eq!(d.busiest_hours[2][10], 2);
    let total: u32 = d.busiest_hours.iter().flatten().sum();
    assert_eq!(total, 3);
    let csv = d.to_csv();
    assert!(csv.contains("messages_in,2026-12-02,2\n"), "{csv}");
    assert!(
        csv.contains("person_median_response_s,Olga,1200\n"),
        "{csv}"
    );
    assert!(csv.contains("messages_in_by_hour,wed 10,2\n"), "{csv}");
    // The CSV names a waiting band as the JSON does.
    let band = serde_json::to_value(d.waiting[0].band).unwrap();
    assert!(
        csv.contains(&format!("waiting_now,{},", band.as_str().unwrap())),
        "{csv}"
    );
}

#[tokio::test]
async fn the_same_instants_fall_on_other_days_and_hours_in_other_zones() {
    let (_dir, store) = store().await;
    // Moscow's two days are 30 Nov 21:00 to 2 Dec 21:00 in UTC: three UTC days.
    let d = board(&store, query(None, None), "UTC").await;
    let days: Vec<&str> = d.days.iter().map(|f| f.day.as_str()).collect();
    assert_eq!(days, ["2026-11-30", "2026-12-01", "2026-12-02"]);
    assert_eq!(day(&d, "2026-11-30"), (0, 0, 0));
    // A's question (20:50) and answer (21:10) are both on 1 December in UTC.
    assert_eq!(day(&d, "2026-12-01"), (1, 1, 1));
    assert_eq!(day(&d, "2026-12-02"), (1, 2, 1));
    assert_eq!(d.busiest_hours[1][20], 1);
    assert_eq!(d.busiest_hours[2][7], 2);
    // India is 5:30 ahead: A's question is at 02:20 on Wednesday, B's at 12:30 and 13:00.
    let d = board(&store, query(None, None), "Asia/Kolkata").await;
    assert_eq!(d.busiest_hours[2][2], 1);
    assert_eq!(d.busiest_hours[2][12], 1);
    assert_eq!(d.busiest_hours[2][13], 1);
}

#[tokio::test]
async fn the_dashboard_is_filtered_by_project_and_channel() {
    let (_dir, store) = store().await;
    let d = board(&store, query(Some(1), None), "Europe/Moscow").await;
    assert_eq!(d.figures.new_conversations, 1);
    assert_eq!(day(&d, "2026-12-02"), (0, 0, 1));
    assert_eq!(waiting(&d, AgeBand::OverDay), 1);
    assert_eq!(waiting(&d, AgeBand::UnderFourHours), 0);
    let d = board(
        &store,
        query(None, Some(ChannelKind::Email)),
        "Europe/Moscow",
    )
    .await;
    assert_eq!(d.figures.new_conversations, 1);
    assert_eq!(day(&d, "2026-12-02"), (1, 2, 1));
    assert!(d.people.is_empty());
    assert_eq!(d.resolved, 0);
    let d = board(
        &store,
        query(Some(2), Some(ChannelKind::TelegramBot)),
        "Europe/Moscow",
    )
    .await;
    assert_eq!(d.figures.new_conversations, 0);
    assert_eq!(d.days.iter().map(|f| f.messages_in).sum::<u32>(), 0);
}

#[tokio::test]
async fn reopening_clears_the_closing_time_and_bad_periods_are_refused() {
    let (_dir, store) = store().await;
    let mut conn = store.conn().await.unwrap();
    let closed: Option<i64> =
        sqlx::query_scalar("SELECT closed_at FROM conversations WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(closed, Some(moscow(2, 1, 50)));
    exec(
        &mut conn,
        "UPDATE conversations SET status = 'awaiting_response' WHERE id = 1",
        &[],
    )
    .await;
    let closed: Option<i64> =
        sqlx::query_scalar("SELECT closed_at FROM conversations WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(closed, None);
    let tz: Tz = "UTC".parse().unwrap();
    let mut q = query(None, None);
    q.period.to = q.period.from;
    let err = dashboard(&mut conn, q.clone(), tz, 0).await.unwrap_err();
    assert!(err.to_string().contains("ends before it starts"), "{err}");
    q.period.to = q.period.from + 400 * 86_400_000;
    let err = dashboard(&mut conn, q, tz, 0).await.unwrap_err();
    assert!(err.to_string().contains("366 days"), "{err}");
}

#[tokio::test]
async fn periods_that_cut_quarter_hours_and_messages_stored_late_or_moved_count_exactly() {
    let (_dir, store) = store().await;
    let b = moscow(2, 10, 0);
    let at = |from: i64, to: i64| DashboardQuery {
        period: Period { from, to },
        project_id: None,
        channel: None,
    };
    // B's answer at 10:05 and its customer's next message at 10:30, from
    // periods that start and end inside quarters of an hour.
    let d = board(
        &store,
        at(b + 3 * MINUTE, b + 30 * MINUTE + 1),
        "Europe/Moscow",
    )
    .await;
    assert_eq!(day(&d, "2026-12-02"), (0, 1, 1));
    let d = board(&store, at(b + 6 * MINUTE, b + 30 * MINUTE), "Europe/Moscow").await;
    assert_eq!(day(&d, "2026-12-02"), (0, 0, 0));
    let d = board(&store, at(b + 1, b + 5 * MINUTE + 1), "Asia/Kathmandu").await;
    assert_eq!(d.figures.replies_by_assistant, 1);

    // A message of B's customer stored late, from before the first one: B
    // now started waiting at 9:50 and was first answered 15 minutes later.
    let mut db = store.conn().await.unwrap();
    message(&mut db, 2, 2, "in", "customer", b - 10 * MINUTE, None).await;
    // A's answer moved an hour later.
    exec(
        &mut db,
        "UPDATE messages SET created_at = created_at + ?1 WHERE conversation_id = 1 AND direction = 'out'",
        &[60 * MINUTE],
    )
    .await;
    drop(db);
    let d = board(&store, query(None, None), "Europe/Moscow").await;
    assert_eq!(d.figures.first_response_median_ms, Some(15 * MINUTE));
    assert_eq!(d.figures.first_response_p90_ms, Some(80 * MINUTE));
    assert_eq!(d.people[0].median_response_ms, Some(80 * MINUTE));
    // 1 December: A's question; 2 December: A's answer, B's three.
    assert_eq!(day(&d, "2026-12-02"), (1, 3, 2));
    // B waits since 9:50: 2 h 40 min at 12:30.
    assert_eq!(waiting(&d, AgeBand::UnderFourHours), 1);
    // first message, first answer, a person answered, waiting since
    type Kept = (Option<i64>, Option<i64>, bool, Option<i64>);
    let kept: Vec<Kept> = sqlx::query_as(
        "SELECT first_in_at, first_answer_at, person_answered, waiting_since FROM conversations ORDER BY id",
    )
    .fetch_all(&mut *store.conn().await.unwrap())
    .await
    .unwrap();
    let a = moscow(1, 23, 50);
    assert_eq!(
        kept,
        [
            (Some(a), Some(a + 80 * MINUTE), true, None),
            (
                Some(b - 10 * MINUTE),
                Some(b + 5 * MINUTE),
                false,
                Some(b - 10 * MINUTE)
            ),
            (
                Some(moscow(30, 12, 0)),
                None,
                false,
                Some(moscow(30, 12, 0))
            ),
        ]
    );
}
