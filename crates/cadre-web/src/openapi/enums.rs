//! The enumerations of the document (task status, priority, attempt status, event
//! kinds, ...), generated from the domain's own lists of values so the document
//! cannot fall behind when a value is added.

use std::borrow::Cow;

use cadre_core::{
    Actor as CoreActor, AttemptStatus as CoreAttemptStatus, EventKind as CoreEventKind,
    GoalStatus as CoreGoalStatus, PrState as CorePrState, Priority as CorePriority,
    ProcessKind as CoreProcessKind, ProcessStatus as CoreProcessStatus,
    TaskStatus as CoreTaskStatus,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Declares a schema-only type `$name` whose schema is a string enumeration of
/// `$values` (an iterator of `&str`), described by the doc comment.
macro_rules! string_enum {
    ($(#[doc = $doc:literal])+ $name:ident => $values:expr) => {
        $(#[doc = $doc])+
        #[derive(Debug)]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let description = [$($doc),+].map(str::trim).join(" ");
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(description))
                    .enum_values(Some($values))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

string_enum! {
    /// A task's column on the board. Moves follow the status state machine; a move
    /// into `in_progress` also needs every dependency done.
    TaskStatus => CoreTaskStatus::ALL.map(CoreTaskStatus::as_str)
}

string_enum! {
    /// How urgent a task is.
    Priority => CorePriority::ALL.map(CorePriority::as_str)
}

string_enum! {
    /// Where a goal stands.
    GoalStatus => CoreGoalStatus::ALL.map(CoreGoalStatus::as_str)
}

string_enum! {
    /// Where an attempt stands: `queued` and `running` are live; `succeeded`,
    /// `failed`, `stopped` and `interrupted` are settled.
    AttemptStatus => CoreAttemptStatus::ALL.iter().map(|s| s.as_str())
}

string_enum! {
    /// What an attempt's process is for.
    ProcessKind => CoreProcessKind::ALL.iter().map(|k| k.as_str())
}

string_enum! {
    /// Where an attempt's process stands.
    ProcessStatus => CoreProcessStatus::ALL.iter().map(|s| s.as_str())
}

string_enum! {
    /// Where a pull request stands on its forge.
    PrState => CorePrState::ALL.iter().map(|s| s.as_str())
}

string_enum! {
    /// Who changed something: a person, an agent, or cadre itself.
    Actor => ACTORS.map(CoreActor::as_str)
}

string_enum! {
    /// The dotted kind of a board event, e.g. `task.moved`.
    EventKind => CoreEventKind::ALL.iter().map(|k| k.as_str())
}

/// Every actor. The match below fails to compile when a variant is added.
const ACTORS: [CoreActor; 3] = [CoreActor::User, CoreActor::Agent, CoreActor::System];

const _: fn(CoreActor) = |actor| match actor {
    CoreActor::User | CoreActor::Agent | CoreActor::System => {}
};
