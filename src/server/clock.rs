//! Wall-clock helpers: Livy reports epoch milliseconds and logs `yy/MM/dd HH:mm:ss` stamps.

use crate::human::civil_from_days;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, as Livy puts in `started`/`completed`.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The current time in log4j's `yy/MM/dd HH:mm:ss` layout (UTC), e.g. `26/11/21 18:18:36`.
pub fn log_timestamp() -> String {
    let secs = now_ms().div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{:02}/{:02}/{:02} {:02}:{:02}:{:02}",
        y.rem_euclid(100),
        m,
        d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}
