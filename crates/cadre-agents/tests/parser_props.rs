//! Property tests: no parser panics, whatever it is fed.

use cadre_agents::{AgentId, parser_for};
use cadre_core::log::Stream;
use proptest::prelude::*;

/// Arbitrary JSON values, biased towards the field names agents use so the parsers'
/// deeper branches are reached with wrong types and missing fields.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-z_. ]{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![
            Just("type".to_owned()),
            Just("subtype".to_owned()),
            Just("message".to_owned()),
            Just("content".to_owned()),
            Just("item".to_owned()),
            Just("part".to_owned()),
            Just("data".to_owned()),
            Just("tool_call".to_owned()),
            Just("state".to_owned()),
            Just("input".to_owned()),
            Just("result".to_owned()),
            Just("usage".to_owned()),
            Just("session_id".to_owned()),
            "[a-zA-Z_]{1,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn event_type() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "system",
        "assistant",
        "user",
        "result",
        "thread.started",
        "item.started",
        "item.completed",
        "turn.completed",
        "turn.failed",
        "error",
        "init",
        "message",
        "tool_use",
        "tool_result",
        "thinking",
        "tool_call",
        "text",
        "reasoning",
        "step_finish",
        "tool.execution_start",
        "tool.execution_complete",
        "assistant.message",
        "completion",
        "complete",
    ])
}

fn feed_all(lines: &[(bool, String)]) {
    for agent in AgentId::ALL {
        let mut parser = parser_for(agent);
        for (stderr, line) in lines {
            let stream = if *stderr {
                Stream::Stderr
            } else {
                Stream::Stdout
            };
            let _ = parser.parse_line(stream, line);
        }
        let _ = parser.finish();
        let _ = parser.summary();
        let _ = parser.session_id();
    }
}

proptest! {
    #[test]
    fn parsers_never_panic_on_arbitrary_strings(
        lines in prop::collection::vec((any::<bool>(), any::<String>()), 0..8)
    ) {
        feed_all(&lines);
    }

    #[test]
    fn parsers_never_panic_on_json_ish_lines(
        events in prop::collection::vec((event_type(), json_value(), json_value()), 0..8)
    ) {
        let lines: Vec<(bool, String)> = events
            .into_iter()
            .map(|(kind, a, b)| {
                let mut obj = serde_json::Map::new();
                obj.insert("type".into(), kind.into());
                for (k, v) in [("message", a.clone()), ("item", a.clone()), ("part", a.clone()),
                               ("data", a), ("tool_call", b.clone()), ("result", b)] {
                    obj.insert(k.into(), v);
                }
                (false, serde_json::Value::Object(obj).to_string())
            })
            .collect();
        feed_all(&lines);
    }
}
