//! Calendar arithmetic for study dates, injection times and outcomes (proleptic Gregorian, no
//! time zones: DICOM dates and times are local wall-clock values).

use serde::Serialize;
use std::fmt;

/// A calendar day, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Day(pub i64);

impl Day {
    /// # Panics
    /// On a month outside 1..=12 or a day outside 1..=31 (the generator only makes valid dates).
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Self {
        Day(uptake_core::date::days_from_civil(y, m as i64, d as i64).expect("a valid date"))
    }

    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.0 + 719468;
        let era = z.div_euclid(146097);
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    pub fn plus(self, days: i64) -> Day {
        Day(self.0 + days)
    }

    /// DICOM DA: YYYYMMDD.
    pub fn dicom(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}{m:02}{d:02}")
    }
}

impl fmt::Display for Day {
    /// ISO 8601: YYYY-MM-DD (the manifest's format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// A wall-clock instant: a day and whole seconds since its midnight (may exceed a day when
/// built by `plus_seconds`'s callers; `normalised` folds it back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Instant {
    pub day: Day,
    pub seconds: i64,
}

impl Instant {
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
            assert_eq!(Day::from_ymd(y, m, d).ymd(), (y, m, d));
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
