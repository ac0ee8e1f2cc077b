//! Calendar days (proleptic Gregorian, no time zones): DICOM study dates, injection dates and
//! outcome dates are all local wall-clock values, so whole days are the unit every stage shares.

/// Days since 1970-01-01 of a valid date; `None` for a month outside 1..=12 or a day outside
/// 1..=31. (Howard Hinnant's `days_from_civil`.)
pub fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Days since 1970-01-01 of an ISO date `YYYY-MM-DD` (anything after the 10th character, such
/// as a time, is ignored).
pub fn days_from_iso(date: &str) -> Option<i64> {
    let mut it = date.trim().get(..10)?.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    days_from_civil(y, m, d)
}

/// The ISO date `YYYY-MM-DD` of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`]).
pub fn iso_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_is_day_zero() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
    }

    #[test]
    fn leap_days_are_counted() {
        assert_eq!(
            days_from_iso("2024-03-01"),
            Some(days_from_iso("2024-02-28").unwrap() + 2)
        );
        assert_eq!(days_from_iso("2000-01-01"), Some(10_957));
    }

    #[test]
    fn iso_dates_round_trip() {
        for iso in ["1970-01-01", "2000-02-29", "2024-12-31", "1899-03-01"] {
            assert_eq!(iso_from_days(days_from_iso(iso).unwrap()), iso);
        }
    }

    #[test]
    fn invalid_dates_are_refused() {
        assert_eq!(days_from_iso("2024-13-01"), None);
        assert_eq!(days_from_iso("2024-1"), None);
        assert_eq!(days_from_civil(2024, 2, 0), None);
    }
}
