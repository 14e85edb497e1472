//! ISO-8601 timestamps as Jupyter writes them in a cell's `execution` metadata
//! (`2024-05-01T12:00:00.123456Z`). Small enough to not need a date-time crate.

use crate::human::{civil_from_days, days_from_civil};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Formats a time in UTC with microseconds, like Jupyter.
pub fn format_iso8601(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_micros()
    )
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` (a space may replace the `T`; no zone
/// means UTC). `None` for anything else or a time before 1970.
pub fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[16] != b':' || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos: u32 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded: String = frac[..digits].chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = rest[1..].replace(':', "");
            if zone.len() != 4 || !zone.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            sign * (zone[..2].parse::<i64>().ok()? * 3600 + zone[2..].parse::<i64>().ok()? * 60)
        }
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_back() {
        let t = UNIX_EPOCH + Duration::new(1_714_564_800, 123_456_000);
        assert_eq!(format_iso8601(t), "2024-05-01T12:00:00.123456Z");
        assert_eq!(parse_iso8601("2024-05-01T12:00:00.123456Z"), Some(t));
        assert_eq!(parse_iso8601("2024-05-01T14:00:00.123456+02:00"), Some(t));
        assert_eq!(parse_iso8601("2024-05-01 12:00:00.123456"), Some(t));
        assert_eq!(format_iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            parse_iso8601("2000-02-29T00:00:00Z"),
            Some(UNIX_EPOCH + Duration::from_secs(951_782_400))
        );
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        for s in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+5",
            "1969-12-31T23:59:59Z",
            "2024-05-01T12:00:00 junk",
            "２０２４-05-01T12:00:00Z",
        ] {
            assert_eq!(parse_iso8601(s), None, "{s}");
        }
    }
}
