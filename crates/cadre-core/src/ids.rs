//! Typed identifiers. Every entity id is a UUIDv7 (time-ordered, so ids sort by
//! creation), wrapped in its own type so a task id cannot be passed as a project id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The last eight hex digits, for branch and directory names. The
            /// leading digits of a UUIDv7 are a timestamp shared by ids made in
            /// the same minute; the trailing ones are random.
            pub fn short(&self) -> String {
                let hex = self.0.simple().to_string();
                hex[hex.len() - 8..].to_owned()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a project.
    ProjectId
);
id_type!(
    /// Identifies a task (a card on the board).
    TaskId
);
id_type!(
    /// Identifies a goal.
    GoalId
);
id_type!(
    /// Identifies an attempt: one agent run (and its follow-ups) on a task.
    AttemptId
);
id_type!(
    /// Identifies a review comment.
    CommentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_sort_by_creation() {
        let a = TaskId::new();
        let b = TaskId::new();
        assert_eq!(a.0.get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn short_form_is_eight_random_hex_digits_distinct_for_ids_made_together() {
        let id = AttemptId::new();
        assert_eq!(id.short().len(), 8);
        assert!(id.to_string().replace('-', "").ends_with(&id.short()));
        let shorts: std::collections::HashSet<String> =
            (0..100).map(|_| AttemptId::new().short()).collect();
        assert_eq!(
            shorts.len(),
            100,
            "ids made in the same instant must not share a short form"
        );
    }
}
