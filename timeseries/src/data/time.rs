//! Timestamps as seconds since 1970-01-01 (UTC, no time zones), parsed from the formats found in
//! the datasets: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS[.ffffff]` (space or `T`
//! between date and time) and `YYYY-MM` (monthly series). Integer time columns (week or step
//! numbers) are used as they are.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(y, m, d)` of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num<T: std::str::FromStr>(s: &str, digits: usize) -> Option<T> {
    (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parse one timestamp into seconds since 1970-01-01 00:00:00; `None` if it is not one of the
/// accepted formats or not a real date/time (month 13, 31 April, 25:00, …). Fractional seconds are
/// truncated.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] => (num::<i64>(y, 4)?, num::<u32>(m, 2)?, num::<u32>(d, 2)?),
        [y, m] if time.is_none() => (num::<i64>(y, 4)?, num::<u32>(m, 2)?, 1),
        _ => return None,
    };
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(t) = time {
        let t = t.split('.').next()?;
        let hms: Vec<&str> = t.split(':').collect();
        let (h, mi, sec) = match hms.as_slice() {
            [h, mi] => (num::<i64>(h, 2)?, num::<i64>(mi, 2)?, 0),
            [h, mi, sec] => (num::<i64>(h, 2)?, num::<i64>(mi, 2)?, num::<i64>(sec, 2)?),
            _ => return None,
        };
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + sec;
    }
    Some(secs)
}

/// A timestamp ([`parse_timestamp`]) or an integer step (`17`), as a time column's text cell.
pub fn parse_time_cell(s: &str) -> Option<i64> {
    parse_timestamp(s).or_else(|| s.trim().parse::<i64>().ok())
}

/// `YYYY-MM-DD HH:MM:SS` of seconds since 1970-01-01.
pub fn format_timestamp(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_dataset_formats() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0));
        assert_eq!(parse_timestamp("1970-01-02 00:00:01"), Some(86_401));
        assert_eq!(
            parse_timestamp("2014-02-26 13:45:00.000000"),
            parse_timestamp("2014-02-26T13:45")
        );
        assert_eq!(
            parse_timestamp("2000-03-01"),
            Some(days_from_civil(2000, 3, 1) * 86_400)
        );
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        ); // leap year
        assert_eq!(parse_timestamp("1949-01"), parse_timestamp("1949-01-01"));
        for bad in [
            "",
            "2014-13-01",
            "2014-04-31",
            "2014-02-29",
            "2014-01-01 25:00",
            "yesterday",
            "14-01-01",
            "2014-01-01 10",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn format_round_trips() {
        for s in [
            "2014-07-06 20:10:00",
            "1960-12-01 00:00:00",
            "2017-12-29 23:59:59",
        ] {
            assert_eq!(format_timestamp(parse_timestamp(s).unwrap()), s);
        }
        for z in [-800_000, -1, 0, 59, 11_000, 20_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
