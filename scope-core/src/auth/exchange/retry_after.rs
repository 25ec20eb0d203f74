//! `Retry-After`: delay seconds or an HTTP date, in all three forms RFC 9110 says a
//! recipient must accept (IMF-fixdate, RFC 850, asctime), read by `httpdate`.

use std::time::{Duration, SystemTime};

/// How long `Retry-After` asks to wait; a date in the past is zero.
pub(crate) fn parse(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_seconds_and_dates_in_the_past_as_zero() {
        assert_eq!(parse(" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("soon"), None);
        assert_eq!(parse("-5"), None);
    }

    #[test]
    fn takes_all_three_http_date_forms() {
        // One instant about an hour from now, written in each form RFC 9110 names.
        let at = SystemTime::now() + Duration::from_secs(3600);
        let fixdate = httpdate::fmt_http_date(at); // "Tue, 01 Dec 2026 23:00:00 GMT"
        let parts: Vec<&str> = fixdate
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .collect();
        let [weekday, day, month, year, time, _gmt] = parts[..] else {
            panic!("{fixdate}");
        };
        let long_weekday = match weekday {
            "Mon" => "Monday",
            "Tue" => "Tuesday",
            "Wed" => "Wednesday",
            "Thu" => "Thursday",
            "Fri" => "Friday",
            "Sat" => "Saturday",
            _ => "Sunday",
        };
        let rfc850 = format!("{long_weekday}, {day}-{month}-{} {time} GMT", &year[2..]);
        let asctime = format!(
            "{weekday} {month} {:>2} {time} {year}",
            day.trim_start_matches('0')
        );
        for form in [fixdate, rfc850, asctime] {
            let wait = parse(&form).unwrap_or_else(|| panic!("not read: {form}"));
            assert!(
                (Duration::from_secs(3590)..=Duration::from_secs(3600)).contains(&wait),
                "{form}: {wait:?}"
            );
        }
    }
}
