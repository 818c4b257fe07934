//! Small formatting helpers shared by the view models: timestamps (rendered in UTC
//! and localized by the page's script from their ISO form) and durations.

use cadre_core::Timestamp;

/// A moment, as the `<time>` element shows it.
pub(crate) struct When {
    /// RFC 3339, for `datetime=`.
    pub iso: String,
    /// Readable UTC text, shown until the script localizes it.
    pub text: String,
}

/// A [`When`] for `at`.
pub(crate) fn when(at: Timestamp) -> When {
    When {
        iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        text: at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// How long from `start` to `end` (or to now while running), e.g. `3m 05s`.
pub(crate) fn duration(start: Option<Timestamp>, end: Option<Timestamp>) -> String {
    let Some(start) = start else {
        return "not started".into();
    };
    let end = end.unwrap_or_else(chrono::Utc::now);
    let secs = (end - start).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// A token count, e.g. `12.3k`.
pub(crate) fn tokens(n: u64) -> String {
    match n {
        n if n < 1_000 => n.to_string(),
        n if n < 1_000_000 => format!("{:.1}k", n as f64 / 1_000.0),
        n => format!("{:.2}M", n as f64 / 1_000_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn durations_read_naturally() {
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single();
        let at = |s: i64| t0.map(|t| t + chrono::Duration::seconds(s));
        assert_eq!(duration(t0, at(42)), "42s");
        assert_eq!(duration(t0, at(185)), "3m 05s");
        assert_eq!(duration(t0, at(7260)), "2h 01m");
        assert_eq!(duration(None, None), "not started");
    }

    #[test]
    fn token_counts_are_short() {
        assert_eq!(tokens(999), "999");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(tokens(2_500_000), "2.50M");
    }
}
