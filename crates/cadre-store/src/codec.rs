//! Conversions between SQLite column values and domain types, in one place so that
//! every decode failure becomes [`StoreError::Corrupt`] naming the column.

use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Result, StoreError};

/// Parses a stored id or enum name.
pub(crate) fn parse<T>(column: &str, raw: &str) -> Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    raw.parse()
        .map_err(|e| StoreError::Corrupt(format!("{column} `{raw}`: {e}")))
}

/// Parses an optional stored id.
pub(crate) fn parse_opt<T>(column: &str, raw: Option<&str>) -> Result<Option<T>>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    raw.map(|r| parse(column, r)).transpose()
}

/// Decodes a JSON column.
pub(crate) fn from_json<T: DeserializeOwned>(column: &str, raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Encodes a JSON column.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing plain data (strings, vectors, maps with string keys) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Encodes a JSON payload for the event log.
pub(crate) fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
