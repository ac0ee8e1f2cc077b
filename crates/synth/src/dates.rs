//! Calendar arithmetic for study dates, injection times and outcomes (proleptic Gregorian, no
//! time zones: DICOM dates and times are local wall-clock values).

use serde::Serialize;
use std::fmt;
use uptake_core::date::iso_from_days;

/// A calendar day, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Day(
    /// Days since 1970-01-01.
    pub i64,
);

impl Day {
    /// The day of a date the generator fixes (study period bounds).
    ///
    /// # Panics
    /// On a month outside 1..=12 or a day outside 1..=31.
    pub(crate) fn from_ymd(y: i64, m: u32, d: u32) -> Self {
        Day(uptake_core::date::days_from_civil(y, m as i64, d as i64).expect("a valid date"))
    }

    /// The day `days` later (earlier when negative).
    pub fn plus(self, days: i64) -> Day {
        Day(self.0 + days)
    }

    /// DICOM DA: YYYYMMDD.
    pub fn dicom(self) -> String {
        iso_from_days(self.0).replace('-', "")
    }
}

impl fmt::Display for Day {
    /// ISO 8601: YYYY-MM-DD (the manifest's format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&iso_from_days(self.0))
    }
}

/// A wall-clock instant: a day and whole seconds since its midnight (`plus_seconds` keeps the
/// seconds within the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Instant {
    /// The day.
    pub day: Day,
    /// Seconds since its midnight.
    pub seconds: i64,
}

impl Instant {
    /// The instant `s` seconds later (earlier when negative), on the day it falls on.
    pub fn plus_seconds(self, s: i64) -> Instant {
        let total = self.seconds + s;
        Instant {
            day: self.day.plus(total.div_euclid(86400)),
            seconds: total.rem_euclid(86400),
        }
    }

    /// Seconds from `earlier` to `self`.
    pub fn since(self, earlier: Instant) -> i64 {
        (self.day.0 - earlier.day.0) * 86400 + self.seconds - earlier.seconds
    }

    /// DICOM TM: HHMMSS.
    pub fn dicom_time(self) -> String {
        let s = self.seconds;
        format!("{:02}{:02}{:02}", s / 3600, (s / 60) % 60, s % 60)
    }

    /// DICOM DT: YYYYMMDDHHMMSS.
    pub fn dicom_datetime(self) -> String {
        format!("{}{}", self.day.dicom(), self.dicom_time())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_through_the_calendar() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2016, 12, 31), (2019, 3, 1)] {
            let day = Day::from_ymd(y, m, d);
            assert_eq!(day.to_string(), format!("{y:04}-{m:02}-{d:02}"));
            assert_eq!(day.dicom(), format!("{y:04}{m:02}{d:02}"));
        }
        assert_eq!(Day::from_ymd(1970, 1, 1).0, 0);
        assert_eq!(
            Day::from_ymd(2000, 3, 1).0 - Day::from_ymd(2000, 2, 28).0,
            2
        );
    }

    #[test]
    fn adding_seconds_past_midnight_moves_to_the_next_day() {
        let t = Instant {
            day: Day::from_ymd(2015, 12, 31),
            seconds: 23 * 3600 + 40 * 60,
        };
        let later = t.plus_seconds(3600);
        assert_eq!(later.day.dicom(), "20160101");
        assert_eq!(later.dicom_time(), "004000");
        assert_eq!(later.since(t), 3600);
    }
}
