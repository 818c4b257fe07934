//! Failure classification and retry backoff for agent runs (pure).
//!
//! A failed run is worth retrying automatically only when the cause is outside the
//! agent's work: rate limits, overloaded or failing upstream APIs, network trouble, or
//! the process being killed by a timeout. Everything else (bad prompt, crash, the agent
//! giving up) is permanent and needs a human.

use std::time::Duration;

/// Whether a failed run should be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// Likely to succeed if retried later.
    Transient,
    /// Retrying would fail the same way.
    Permanent,
}

/// What is known about a failed run.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailureInfo<'a> {
    /// Exit code, when the process exited normally.
    pub exit_code: Option<i32>,
    /// Terminating signal, when the process was killed (Unix).
    pub signal: Option<i32>,
    /// The last lines of stderr.
    pub stderr_tail: &'a str,
    /// The agent's result or error text (e.g. Claude's `result` on `is_error`).
    pub result_text: Option<&'a str>,
}

/// Exit codes of a timeout (`timeout(1)`) and of SIGKILL / SIGTERM as reported by a
/// shell (128 + signal).
const TRANSIENT_EXIT_CODES: [i32; 3] = [124, 137, 143];
/// SIGKILL and SIGTERM: cadre's own timeout or the OOM killer, not the agent's fault.
/// (cadre's runtime treats an agent killed by a signal it did not send as a crash
/// and restarts it through its crash budget before this classification is asked.)
const TRANSIENT_SIGNALS: [i32; 2] = [9, 15];

const TRANSIENT_PHRASES: [&str; 13] = [
    "rate limit",
    "rate_limit",
    "ratelimit",
    "too many requests",
    "overloaded",
    "connection reset",
    "connection refused",
    "econnreset",
    "econnrefused",
    "etimedout",
    "timed out",
    "service unavailable",
    "bad gateway",
];

/// Classifies a failed run; see the module docs.
pub fn classify_failure(info: &FailureInfo<'_>) -> FailureClass {
    if info
        .exit_code
        .is_some_and(|c| TRANSIENT_EXIT_CODES.contains(&c))
        || info.signal.is_some_and(|s| TRANSIENT_SIGNALS.contains(&s))
    {
        return FailureClass::Transient;
    }
    let texts = [info.stderr_tail, info.result_text.unwrap_or_default()];
    if texts.iter().any(|t| text_is_transient(t)) {
        FailureClass::Transient
    } else {
        FailureClass::Permanent
    }
}

/// Whether `text` mentions a transient cause: one of the phrases (case-insensitive), or
/// the status code 429 or 500–599 as a whole number.
pub fn text_is_transient(text: &str) -> bool {
    let lower = text.to_lowercase();
    TRANSIENT_PHRASES.iter().any(|p| lower.contains(p)) || has_transient_status(&lower)
}

/// Finds a standalone three-digit number 429 or 5xx (not part of a longer number).
fn has_transient_status(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        // Part of a decimal like 1.500 or a version like 5.503.1: not a status code.
        let dotted = (start > 0 && bytes[start - 1] == b'.')
            || (i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit());
        if i - start == 3 && !dotted {
            let code = &text[start..i];
            if code == "429" || code.starts_with('5') {
                return true;
            }
        }
    }
    false
}

/// Retry schedule: base delay doubling per retry, bounded number of retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay before the first retry.
    pub base_delay: Duration,
    /// Maximum number of retries (not counting the first attempt).
    pub max_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(5),
            max_retries: 2,
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `n` (0-based): `base * 2^n`, saturating.
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 2u32.checked_pow(n).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor)
    }

    /// The delay before the next retry, or `None` when the failure is permanent or
    /// `retries_done` retries were already made.
    pub fn next_retry(&self, class: FailureClass, retries_done: u32) -> Option<Duration> {
        (class == FailureClass::Transient && retries_done < self.max_retries)
            .then(|| self.delay(retries_done))
    }
}

/// Delay before retry number `n` (0-based) with the default policy: 5 s, 10 s, 20 s, …
pub fn backoff_delay(n: u32) -> Duration {
    RetryPolicy::default().delay(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureClass::{Permanent, Transient};

    fn info<'a>(exit: Option<i32>, signal: Option<i32>, stderr: &'a str) -> FailureInfo<'a> {
        FailureInfo {
            exit_code: exit,
            signal,
            stderr_tail: stderr,
            result_text: None,
        }
    }

    #[test]
    fn failures_are_classified_by_exit_signal_and_text() {
        let cases: &[(Option<i32>, Option<i32>, &str, FailureClass)] = &[
            (Some(124), None, "", Transient),
            (Some(137), None, "", Transient),
            (Some(143), None, "", Transient),
            (None, Some(9), "", Transient),
            (None, Some(15), "", Transient),
            (None, Some(6), "", Permanent),
            (Some(1), None, "", Permanent),
            (Some(1), None, "Error: Rate limit exceeded", Transient),
            (Some(1), None, "HTTP 429", Transient),
            (Some(1), None, "status: 503 Service Unavailable", Transient),
            (
                Some(1),
                None,
                "API Error: 500 {\"type\":\"error\"}",
                Transient,
            ),
            (Some(1), None, "upstream returned 599", Transient),
            (Some(1), None, "overloaded_error", Transient),
            (Some(1), None, "read ECONNRESET", Transient),
            (
                Some(1),
                None,
                "Connection refused (os error 111)",
                Transient,
            ),
            (Some(1), None, "request TIMED OUT", Transient),
            (Some(1), None, "HTTP 404 not found", Permanent),
            (Some(1), None, "listening on port 5000", Permanent),
            (Some(1), None, "error at line 1500", Permanent),
            (Some(1), None, "version 1.502.3", Permanent),
            (Some(1), None, "HTTP 600", Permanent),
            (Some(1), None, "invalid api key", Permanent),
            (Some(2), None, "4290 items", Permanent),
        ];
        for (exit, signal, stderr, expected) in cases {
            assert_eq!(
                classify_failure(&info(*exit, *signal, stderr)),
                *expected,
                "exit {exit:?} signal {signal:?} stderr {stderr:?}"
            );
        }
    }

    #[test]
    fn result_text_counts_like_stderr() {
        let failure = FailureInfo {
            exit_code: Some(1),
            signal: None,
            stderr_tail: "",
            result_text: Some("API Error: 529 Overloaded"),
        };
        assert_eq!(classify_failure(&failure), Transient);
    }

    #[test]
    fn backoff_doubles_from_five_seconds() {
        let delays: Vec<u64> = (0..4).map(|n| backoff_delay(n).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40]);
        assert!(backoff_delay(200) >= Duration::from_secs(5));
    }

    #[test]
    fn default_policy_allows_two_retries_of_transient_failures_only() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.next_retry(Transient, 0),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            policy.next_retry(Transient, 1),
            Some(Duration::from_secs(10))
        );
        assert_eq!(policy.next_retry(Transient, 2), None);
        assert_eq!(policy.next_retry(Permanent, 0), None);
    }
}
