//! Recent task-list answers, encoded, kept for as long as nothing is written.
//!
//! A board is read far more often than it changes: every open tab and script
//! lists the same pages again and again. An answer is stored with the app's
//! [`data_version`](cadre_app::App::data_version) at the time it was read, and is
//! served again only while that version has not moved; any write moves it before
//! the writer is answered, so nobody is served a list older than a write they saw
//! acknowledged. Answers do not depend on who asks (access is checked before the
//! handler), so the request's path and query are the key.
//!
//! Bounded: at most [`ENTRIES`] answers of at most [`MAX_BODY`] bytes each, and
//! an entry from an older version is dropped as soon as a newer one is stored.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::HeaderValue;

/// Answers kept at most.
const ENTRIES: usize = 64;
/// Larger answers are not kept (a page of 1,000 tasks is about 360 KiB).
const MAX_BODY: usize = 512 * 1024;

/// One encoded answer: its JSON body and its `Link` header.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub(crate) body: Bytes,
    pub(crate) link: Option<HeaderValue>,
}

#[derive(Debug)]
struct Entry {
    key: String,
    version: u64,
    answer: Cached,
}

/// The cache; one per server.
#[derive(Debug, Default)]
pub(crate) struct ListCache {
    entries: Mutex<VecDeque<Entry>>,
}

impl ListCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer stored for `key` at `version`, if any.
    pub(crate) fn get(&self, key: &str, version: u64) -> Option<Cached> {
        self.lock()
            .iter()
            .find(|e| e.version == version && e.key == key)
            .map(|e| e.answer.clone())
    }

    /// Stores `answer` for `key`, read at `version`.
    pub(crate) fn put(&self, key: &str, version: u64, answer: Cached) {
        if answer.body.len() > MAX_BODY {
            return;
        }
        let mut entries = self.lock();
        // Versions only grow: what was read before `version` is never served again.
        entries.retain(|e| e.version >= version && e.key != key);
        entries.push_back(Entry {
            key: key.to_owned(),
            version,
            answer,
        });
        while entries.len() > ENTRIES {
            entries.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static str) -> Cached {
        Cached {
            body: Bytes::from_static(body.as_bytes()),
            link: None,
        }
    }

    #[test]
    fn an_answer_is_served_only_at_the_version_it_was_read() {
        let cache = ListCache::default();
        cache.put("/a", 3, answer("[1]"));
        assert_eq!(cache.get("/a", 3).map(|c| c.body), Some(Bytes::from("[1]")));
        assert!(cache.get("/a", 4).is_none(), "a write happened since");
        assert!(cache.get("/b", 3).is_none());
        cache.put("/b", 4, answer("[2]"));
        assert_eq!(cache.lock().len(), 1, "the older version's entry is gone");
    }

    #[test]
    fn the_cache_stays_bounded_in_entries_and_entry_size() {
        let cache = ListCache::default();
        for i in 0..(ENTRIES + 10) {
            cache.put(&format!("/p{i}"), 1, answer("[]"));
        }
        assert_eq!(cache.lock().len(), ENTRIES);
        assert!(cache.get("/p0", 1).is_none(), "the oldest went first");
        let big = Cached {
            body: Bytes::from(vec![b' '; MAX_BODY + 1]),
            link: None,
        };
        cache.put("/big", 1, big);
        assert!(cache.get("/big", 1).is_none());
    }
}
