//! When the auto-responder is on: weekly intervals read in the owner's time
//! zone. Overlapping or touching intervals form one active period (a weekday
//! night running into the weekend is one period), and the auto-reply goes once
//! per conversation per period.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::model::{AutoReplyMode, ScheduleInterval, Weekday};
use crate::clock::Millis;
use crate::error::{Error, Result};

/// Most intervals one schedule may have.
pub const MAX_INTERVALS: usize = 28;

/// An active period: the auto-responder answers from `start` until `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Millis,
    pub end: Millis,
}

pub use crate::clock::system_zone;

/// The time zone named `name`, or this computer's when `name` is empty.
pub fn zone(name: &str) -> Result<Tz> {
    crate::clock::parse_zone(name)
        .ok_or_else(|| Error::invalid(format!("unknown time zone “{}”", name.trim())))
}

/// "HH:MM" → minutes after midnight; "24:00" only where `allow_24` (an end).
fn minutes(text: &str, allow_24: bool) -> Result<u32> {
    let bad = || Error::invalid(format!("“{text}” is not a time of day (HH:MM)"));
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Checks a schedule and writes its times as "HH:MM".
pub fn validate(intervals: &[ScheduleInterval]) -> Result<Vec<ScheduleInterval>> {
    if intervals.len() > MAX_INTERVALS {
        return Err(Error::invalid(format!(
            "a schedule has at most {MAX_INTERVALS} intervals"
        )));
    }
    intervals
        .iter()
        .map(|i| {
            if i.days.is_empty() {
                return Err(Error::invalid("an interval of the schedule has no days"));
            }
            let (start, end) = (minutes(&i.start, false)?, minutes(&i.end, true)?);
            let mut days = i.days.clone();
            days.sort_by_key(|d| index(*d));
            days.dedup();
            let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            Ok(ScheduleInterval {
                days,
                start: hhmm(start),
                end: hhmm(end),
            })
        })
        .collect()
}

fn index(day: Weekday) -> u32 {
    match day {
        Weekday::Mon => 0,
        Weekday::Tue => 1,
        Weekday::Wed => 2,
        Weekday::Thu => 3,
        Weekday::Fri => 4,
        Weekday::Sat => 5,
        Weekday::Sun => 6,
    }
}

/// The instant of a local date and time; a time skipped by a clock change is
/// read as the first instant after the gap.
fn instant(tz: Tz, date: NaiveDate, minutes: u32) -> Millis {
    let naive = date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes));
    let at = |n| match tz.from_local_datetime(&n) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
        LocalResult::None => None,
    };
    (0..=4)
        .find_map(|quarter| at(naive + Duration::minutes(15 * quarter)))
        .map_or(0, |t: DateTime<Tz>| t.timestamp_millis())
}

fn local_date(tz: Tz, at: Millis) -> NaiveDate {
    DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// The intervals' occurrences that contain `at`.
fn covering(intervals: &[ScheduleInterval], tz: Tz, at: Millis) -> Vec<Period> {
    let today = local_date(tz, at);
    let mut found = Vec::new();
    for date in [today - Duration::days(1), today] {
        let weekday = date.weekday().num_days_from_monday();
        for i in intervals {
            if !i.days.iter().any(|d| index(*d) == weekday) {
                continue;
            }
            let (Ok(start), Ok(end)) = (minutes(&i.start, false), minutes(&i.end, true)) else {
                continue;
            };
            let end_date = if end <= start {
                date + Duration::days(1)
            } else {
                date
            };
            let period = Period {
                start: instant(tz, date, start),
                end: instant(tz, end_date, end),
            };
            if period.start <= at && at < period.end {
                found.push(period);
            }
        }
    }
    found
}

/// The active period containing `at`, if the auto-responder is on then.
pub fn active_at(
    mode: AutoReplyMode,
    intervals: &[ScheduleInterval],
    tz: Tz,
    at: Millis,
) -> Option<Period> {
    match mode {
        AutoReplyMode::Off => None,
        AutoReplyMode::Always => {
            let today = local_date(tz, at);
            Some(Period {
                start: instant(tz, today, 0),
                end: instant(tz, today + Duration::days(1), 0),
            })
        }
        AutoReplyMode::Schedule => {
            let mut period = covering(intervals, tz, at)
                .into_iter()
                .reduce(|a, b| Period {
                    start: a.start.min(b.start),
                    end: a.end.max(b.end),
                })?;
            // Join the intervals that touch or overlap it, both ways (a week
            // of them at most).
            for _ in 0..(2 * MAX_INTERVALS) {
                let before = covering(intervals, tz, period.start - 1);
                let after = covering(intervals, tz, period.end);
                if before.is_empty() && after.is_empty() {
                    break;
                }
                for p in before.into_iter().chain(after) {
                    period.start = period.start.min(p.start);
                    period.end = period.end.max(p.end);
                }
            }
            Some(period)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Millis {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    }

    fn interval(days: &[Weekday], start: &str, end: &str) -> ScheduleInterval {
        ScheduleInterval {
            days: days.to_vec(),
            start: start.into(),
            end: end.into(),
        }
    }

    fn nights_and_weekends() -> Vec<ScheduleInterval> {
        vec![
            interval(&[Mon, Tue, Wed, Thu, Fri], "19:00", "09:00"),
            interval(&[Sat, Sun], "00:00", "00:00"),
        ]
    }

    #[test]
    fn weekday_nights_start_and_end_on_the_minute() {
        let tz: Tz = "Europe/Moscow".parse().unwrap_or(Tz::UTC);
        let s = nights_and_weekends();
        let on = |t| active_at(AutoReplyMode::Schedule, &s, tz, t);
        // 2026-11-17 is a Tuesday.
        assert_eq!(on(at(tz, 2026, 11, 17, 18, 59)), None, "a minute before");
        let night = on(at(tz, 2026, 11, 17, 19, 0)).expect("active at the start");
        assert_eq!(night.start, at(tz, 2026, 11, 17, 19, 0));
        assert_eq!(night.end, at(tz, 2026, 11, 18, 9, 0));
        assert_eq!(
            on(at(tz, 2026, 11, 18, 8, 59)),
            Some(night),
            "the same period after midnight"
        );
        assert_eq!(on(at(tz, 2026, 11, 18, 9, 0)), None, "the end is not in it");
    }

    #[test]
    fn friday_night_and_the_weekend_are_one_period() {
        let tz: Tz = "Asia/Almaty".parse().unwrap_or(Tz::UTC);
        let s = nights_and_weekends();
        // 2026-11-20 is a Friday; the weekend runs into Monday's 09:00.
        let friday = active_at(AutoReplyMode::Schedule, &s, tz, at(tz, 2026, 11, 20, 20, 0))
            .expect("Friday night");
        let sunday = active_at(AutoReplyMode::Schedule, &s, tz, at(tz, 2026, 11, 22, 15, 0))
            .expect("Sunday");
        assert_eq!(friday, sunday);
        assert_eq!(friday.start, at(tz, 2026, 11, 20, 19, 0));
        assert_eq!(friday.end, at(tz, 2026, 11, 23, 0, 0), "until Sunday ends");
    }

    #[test]
    fn the_same_instant_is_read_in_the_owners_zone() {
        let s = vec![interval(&[Tue], "19:00", "21:00")];
        let moscow: Tz = "Europe/Moscow".parse().unwrap_or(Tz::UTC);
        let vladivostok: Tz = "Asia/Vladivostok".parse().unwrap_or(Tz::UTC);
        let t = at(moscow, 2026, 11, 17, 19, 30);
        assert!(active_at(AutoReplyMode::Schedule, &s, moscow, t).is_some());
        assert_eq!(
            active_at(AutoReplyMode::Schedule, &s, vladivostok, t),
            None,
            "02:30 on Wednesday in Vladivostok"
        );
    }

    #[test]
    fn around_the_clock_is_one_period_per_local_day() {
        let tz: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        let p = active_at(AutoReplyMode::Always, &[], tz, at(tz, 2026, 3, 29, 12, 0))
            .expect("always on");
        assert_eq!(p.start, at(tz, 2026, 3, 29, 0, 0));
        assert_eq!(p.end - p.start, 23 * 3_600_000, "the day clocks go forward");
        assert_eq!(
            active_at(AutoReplyMode::Off, &nights_and_weekends(), tz, p.start),
            None
        );
    }

    #[test]
    fn a_start_skipped_by_the_clock_change_begins_after_the_gap() {
        let tz: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        // 2026-03-29 (Sunday): 02:00 → 03:00.
        let s = vec![interval(&[Sun], "02:30", "04:00")];
        let p = active_at(AutoReplyMode::Schedule, &s, tz, at(tz, 2026, 3, 29, 3, 30))
            .expect("active after the gap");
        assert_eq!(p.start, at(tz, 2026, 3, 29, 3, 0));
    }

    #[test]
    fn bad_schedules_are_refused_with_the_reason() {
        for (bad, why) in [
            (interval(&[], "10:00", "11:00"), "no days"),
            (interval(&[Mon], "25:00", "11:00"), "not a time"),
            (interval(&[Mon], "10:60", "11:00"), "not a time"),
            (interval(&[Mon], "24:00", "11:00"), "not a time"),
            (interval(&[Mon], "ten", "11:00"), "not a time"),
        ] {
            let err = validate(&[bad]).expect_err(why).to_string();
            assert!(err.contains(why), "{err}");
        }
        let ok = validate(&[interval(&[Sun, Mon, Sun], "9:05", "24:00")]).expect("valid");
        assert_eq!(ok, vec![interval(&[Mon, Sun], "09:05", "24:00")]);
        assert!(zone("Mars/Olympus").is_err());
        assert_eq!(zone("Asia/Tashkent").ok(), "Asia/Tashkent".parse().ok());
    }
}
