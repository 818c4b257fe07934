//! Sample values built from the document's schemas, for calling each documented
//! operation with every documented field and parameter.

use serde_json::{Map, Value, json};

/// An id that parses as every kind of reference and names nothing.
pub const BOGUS_ID: &str = "00000000-0000-7000-8000-000000000000";

/// What a local `$ref` (`#/...`) points to.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("external $ref `{reference}`"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("$ref `{reference}` resolves to nothing"))
}

/// A value the schema accepts: its example, else its first enum value, else one
/// built from its type. Objects get every property (`full`) or the required ones.
pub fn sample(schema: &Value, doc: &Value, full: bool) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        return sample(resolve(doc, reference), doc, full);
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = ["examples", "enum"]
        .iter()
        .find_map(|k| schema[*k].as_array().and_then(|a| a.first()))
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let non_null = alternatives.iter().filter(|a| a["type"] != "null");
            if key != "allOf" {
                let first = non_null.clone().next().expect("a non-null alternative");
                return sample(first, doc, full);
            }
            let mut merged = Map::new();
            for part in non_null {
                if let Value::Object(fields) = sample(part, doc, full) {
                    merged.extend(fields);
                }
            }
            return Value::Object(merged);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .expect("a non-null type"),
        _ if schema.get("properties").is_some() => "object",
        other => panic!("no type to sample in {schema} ({other})"),
    };
    match ty {
        "string" if schema["format"] == "uuid" => json!(BOGUS_ID),
        "string" if schema["format"] == "date-time" => json!("2026-01-01T00:00:00Z"),
        "string" => json!("x"),
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(json!(0)),
        "boolean" => json!(false),
        "array" => json!([sample(&schema["items"], doc, full)]),
        "object" => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let properties = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            Value::Object(
                properties
                    .iter()
                    .filter(|(name, _)| full || required.contains(&name.as_str()))
                    .map(|(name, s)| (name.clone(), sample(s, doc, full)))
                    .collect(),
            )
        }
        other => panic!("cannot sample type `{other}`"),
    }
}

pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
