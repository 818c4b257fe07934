//! Where a page of the task list ends: the board-order position of its last task,
//! so that the next page starts right after it, whatever was added meanwhile.
//!
//! Clients treat a cursor as an opaque string taken from a `next` link; it is
//! still parsed strictly, since it comes back from outside.

use std::fmt;
use std::str::FromStr;

use crate::error::ValidationError;
use crate::{ProjectKey, Task, TaskStatus};

/// The board-order position of one task: project key, column, position in the
/// column, number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCursor {
    /// The task's project key (lists across projects are ordered by it first).
    pub project: ProjectKey,
    /// The task's column, left to right ([`TaskStatus::column`]).
    pub column: i64,
    /// Its position within the column.
    pub position: i64,
    /// Its number, which breaks ties between equal positions.
    pub number: i64,
}

impl TaskCursor {
    /// The cursor just after `task`.
    pub fn after(task: &Task) -> Self {
        Self {
            project: task.key.project.clone(),
            column: task.status.column(),
            position: task.position,
            number: task.key.number,
        }
    }
}

impl fmt::Display for TaskCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.project, self.column, self.position, self.number
        )
    }
}

impl FromStr for TaskCursor {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ValidationError::new(
                "cursor",
                format!(
                    "`{}` is not a task list cursor: pass the `cursor` of the previous page's `next` link unchanged",
                    s.chars().take(60).collect::<String>()
                ),
            )
        };
        let mut parts = s.split('.');
        let project = parts.next().ok_or_else(bad)?;
        let project = ProjectKey::parse(project).map_err(|_| bad())?;
        let mut number = || -> Result<i64, ValidationError> {
            parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())
        };
        let (column, position, number_) = (number()?, number()?, number()?);
        if parts.next().is_some() || !(0..TaskStatus::ALL.len() as i64).contains(&column) {
            return Err(bad());
        }
        Ok(Self {
            project,
            column,
            position,
            number: number_,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cursors_read_back_what_they_print_and_refuse_anything_else() {
        let cursor = TaskCursor {
            project: ProjectKey::parse("WEB").expect("key"),
            column: 2,
            position: -1024,
            number: 17,
        };
        assert_eq!(cursor.to_string(), "WEB.2.-1024.17");
        assert_eq!("WEB.2.-1024.17".parse::<TaskCursor>(), Ok(cursor));
        for bad in [
            "",
            "WEB",
            "WEB.2.3",
            "WEB.2.3.4.5",
            "web.1.2.3",
            "WEB.9.1.1",
            "WEB.a.1.1",
        ] {
            let err = bad.parse::<TaskCursor>().expect_err(bad);
            assert!(err.to_string().contains("next` link"), "{err}");
        }
    }

    proptest! {
        #[test]
        fn any_string_parses_or_is_refused_without_panicking(s in "\\PC{0,40}") {
            let _ = s.parse::<TaskCursor>();
        }

        #[test]
        fn printed_cursors_round_trip(
            key in "[A-Z]{2,6}", column in 0i64..7, position: i64, number in 1i64..i64::MAX,
        ) {
            let cursor = TaskCursor {
                project: ProjectKey::parse(&key).expect("key"),
                column,
                position,
                number,
            };
            prop_assert_eq!(cursor.to_string().parse::<TaskCursor>(), Ok(cursor));
        }
    }
}
