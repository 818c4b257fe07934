//! A scripted stand-in for the model APIs that the real agent CLIs call, so tests can
//! run the real Claude Code and Codex binaries without a network or an account.
//!
//! It serves Anthropic's `POST /v1/messages` and OpenAI's `POST /v1/responses`, both
//! streamed as server-sent events (`event: TYPE` / `data: JSON` frames) in the event
//! sequences the CLIs consume (see [`anthropic_events`] and [`openai_events`]), over a
//! deliberately small HTTP/1.1 server on a std `TcpListener`: one thread and one
//! request per connection, the reply ends when the connection closes. A web framework
//! would buy nothing here, and the architecture test keeps those in `cadre-web`.
//!
//! Each request is turned into a [`Turn`] (what the person said last, the tool results
//! that came back since, the agent's working directory) and the test's script maps it
//! to a [`Reply`]. The step is chosen from the request's content, never from arrival
//! order: the CLIs retry, resume and may call more than once per turn. Every request
//! is recorded with the turn it was read as, for assertions.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// Which model API a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Anthropic Messages (`/v1/messages`), spoken by Claude Code.
    Anthropic,
    /// OpenAI Responses (`/v1/responses`), spoken by Codex.
    OpenAi,
}

/// One model request, read for the script.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The API it came in on.
    pub api: Api,
    /// The latest text the person (not the CLI's injected context) said.
    pub prompt: String,
    /// Outputs of the tool calls made since that prompt, oldest first. Empty when
    /// the model has not acted on the prompt yet.
    pub tool_outputs: Vec<String>,
    /// The working directory the CLI told the model about, if it did.
    pub cwd: Option<String>,
    /// The CLI's session id as sent with the request (Claude: `metadata.user_id`,
    /// Codex: the `session-id` header).
    pub session_id: Option<String>,
}

/// What the model answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A text message that ends the turn.
    Text(String),
    /// Some text, then one tool call; the CLI runs it and calls again with its result.
    Tool {
        /// Said before the call.
        text: String,
        /// Tool name as the CLI declares it (e.g. `Write`, `exec_command`).
        name: String,
        /// The call's arguments.
        input: Value,
    },
}

/// A request the mock received, with how it was read and answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method and path, e.g. `POST /v1/messages?beta=true`.
    pub request_line: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`null` if there was none or it was not JSON).
    pub body: Value,
    /// The turn, for model calls.
    pub turn: Option<Turn>,
    /// The reply, for model calls.
    pub reply: Option<Reply>,
}

type Script = dyn Fn(&Turn) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    recorded: Mutex<Vec<Recorded>>,
    /// Source of message, tool and response ids: unique across everything this mock
    /// ever answers, because a resumed session replays earlier ids and a repeated one
    /// makes the CLIs loop.
    next_id: AtomicU64,
    stopping: AtomicBool,
}

/// A running mock, stopped on drop.
pub struct MockModel {
    url: String,
    shared: Arc<Shared>,
}

impl MockModel {
    /// Starts a mock on a free loopback port that answers with `script`.
    pub fn start(script: impl Fn(&Turn) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the mock model");
        let url = format!("http://{}", listener.local_addr().expect("mock address"));
        let shared = Arc::new(Shared {
            script: Box::new(script),
            recorded: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            stopping: AtomicBool::new(false),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = accepting.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { url, shared }
    }

    /// Base URL, `http://127.0.0.1:PORT` (no `/v1`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.recorded.lock().expect("recorded").clone()
    }

    /// The model calls received so far (requests the mock read as a turn).
    pub fn turns(&self) -> Vec<(Recorded, Turn)> {
        self.requests()
            .into_iter()
            .filter_map(|r| r.turn.clone().map(|t| (r, t)))
            .collect()
    }
}

impl Drop for MockModel {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag and ends.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// Reads one request, answers it, closes the connection.
fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let Some(mut recorded) = read_request(&mut BufReader::new(reader)) else {
        return;
    };
    let mut parts = recorded.request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let api = match (method, path) {
        ("POST", p) if p.starts_with("/v1/messages") => Some(Api::Anthropic),
        ("POST", p) if p.starts_with("/v1/responses") => Some(Api::OpenAi),
        _ => None,
    };
    let mut stream = stream;
    let Some(api) = api else {
        shared.recorded.lock().expect("recorded").push(recorded);
        let _ = stream.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        );
        return;
    };
    let turn = read_turn(api, &recorded.headers, &recorded.body);
    let reply = (shared.script)(&turn);
    let model = recorded.body["model"].as_str().unwrap_or("mock-model");
    let events = match api {
        Api::Anthropic => anthropic_events(&reply, model, &shared.next_id),
        Api::OpenAi => openai_events(&reply, &shared.next_id),
    };
    recorded.turn = Some(turn);
    recorded.reply = Some(reply);
    shared.recorded.lock().expect("recorded").push(recorded);
    let mut out = String::from(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
    );
    for (name, data) in events {
        out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Reads the request line, lower-cased headers and the JSON body (framed by
/// `content-length` or chunked); `None` if the client sent no complete request.
fn read_request(reader: &mut impl BufRead) -> Option<Recorded> {
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let request_line = request_line.trim_end().to_owned();
    if request_line.is_empty() {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2]; // the chunk and its CRLF
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Recorded {
        request_line,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        turn: None,
        reply: None,
    })
}

/// Text the CLI injects around what the person said (`<system-reminder>...`,
/// `<environment_context>...`): not a prompt.
fn is_injected(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || (t.starts_with('<') && t.ends_with('>'))
}

/// Text of a tool result's content: a string, or an array of text parts.
fn text_content(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

fn read_turn(api: Api, headers: &[(String, String)], body: &Value) -> Turn {
    let mut prompt = String::new();
    let mut tool_outputs = Vec::new();
    // Walk back from the newest entry, collecting tool results until the newest
    // thing the person said.
    match api {
        Api::Anthropic => {
            let messages = body["messages"].as_array().cloned().unwrap_or_default();
            'messages: for message in messages.iter().rev() {
                if message["role"] != "user" {
                    continue;
                }
                let blocks = match &message["content"] {
                    Value::String(text) => vec![json!({"type": "text", "text": text})],
                    Value::Array(blocks) => blocks.clone(),
                    _ => continue,
                };
                for block in blocks.iter().rev() {
                    match block["type"].as_str() {
                        Some("tool_result") => tool_outputs.push(text_content(&block["content"])),
                        Some("text") if !is_injected(block["text"].as_str().unwrap_or("")) => {
                            prompt = block["text"].as_str().unwrap_or_default().to_owned();
                            break 'messages;
                        }
                        _ => {}
                    }
                }
            }
        }
        Api::OpenAi => {
            let items = body["input"].as_array().cloned().unwrap_or_default();
            'items: for item in items.iter().rev() {
                match item["type"].as_str() {
                    Some("function_call_output" | "custom_tool_call_output") => {
                        tool_outputs.push(text_content(&item["output"]));
                    }
                    Some("message") if item["role"] == "user" => {
                        let parts = item["content"].as_array().cloned().unwrap_or_default();
                        for part in parts.iter().rev() {
                            let text = part["text"].as_str().unwrap_or("");
                            if !is_injected(text) {
                                prompt = text.to_owned();
                                break 'items;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    tool_outputs.reverse();
    let session_id = match api {
        // Claude Code sends `metadata.user_id` as a JSON string holding `session_id`.
        Api::Anthropic => body["metadata"]["user_id"]
            .as_str()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| v["session_id"].as_str().map(str::to_owned)),
        Api::OpenAi => headers
            .iter()
            .find(|(n, _)| n == "session-id")
            .map(|(_, v)| v.clone()),
    };
    Turn {
        api,
        prompt,
        tool_outputs,
        cwd: find_cwd(body),
        session_id,
    }
}

/// The working directory as the CLI describes it to the model: Claude Code's
/// "Primary working directory: X" line, Codex's `<cwd>X</cwd>`.
fn find_cwd(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.split("Primary working directory: ").nth(1) {
                return rest.lines().next().map(|l| l.trim().to_owned());
            }
            let start = s.find("<cwd>")? + "<cwd>".len();
            let len = s[start..].find("</cwd>")?;
            Some(s[start..start + len].trim().to_owned())
        }
        Value::Array(items) => items.iter().find_map(find_cwd),
        Value::Object(map) => map.values().find_map(find_cwd),
        _ => None,
    }
}

/// Anthropic Messages stream: `message_start`, one start/delta/stop triple per
/// content block, `message_delta` with the stop reason, `message_stop`.
fn anthropic_events(reply: &Reply, model: &str, ids: &AtomicU64) -> Vec<(&'static str, Value)> {
    let n = ids.fetch_add(1, Ordering::SeqCst);
    let mut events = vec![(
        "message_start",
        json!({"type": "message_start", "message": {
            "id": format!("msg_mock_{n:04}"), "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 12, "output_tokens": 1}}}),
    )];
    let text_block = |index: usize, text: &str| {
        [
            (
                "content_block_start",
                json!({"type": "content_block_start", "index": index,
                       "content_block": {"type": "text", "text": ""}}),
            ),
            (
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index,
                       "delta": {"type": "text_delta", "text": text}}),
            ),
            (
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            ),
        ]
    };
    let stop_reason = match reply {
        Reply::Text(text) => {
            events.extend(text_block(0, text));
            "end_turn"
        }
        Reply::Tool { text, name, input } => {
            events.extend(text_block(0, text));
            let id = format!("toolu_mock_{n:04}");
            events.push((
                "content_block_start",
                json!({"type": "content_block_start", "index": 1,
                       "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
            ));
            events.push((
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 1,
                       "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
            ));
            events.push((
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 1}),
            ));
            "tool_use"
        }
    };
    events.push((
        "message_delta",
        json!({"type": "message_delta",
               "delta": {"stop_reason": stop_reason, "stop_sequence": null},
               "usage": {"output_tokens": 20}}),
    ));
    events.push(("message_stop", json!({"type": "message_stop"})));
    events
}

/// OpenAI Responses stream: `response.created`, each output item as
/// `output_item.added` (text deltas in between) and `output_item.done`, then
/// `response.completed` with usage.
fn openai_events(reply: &Reply, ids: &AtomicU64) -> Vec<(&'static str, Value)> {
    let n = ids.fetch_add(1, Ordering::SeqCst);
    let response_id = format!("resp_mock_{n:04}");
    let mut events = vec![(
        "response.created",
        json!({"type": "response.created", "response": {
            "id": response_id, "object": "response", "status": "in_progress", "output": []}}),
    )];
    let (text, tool) = match reply {
        Reply::Text(text) => (text, None),
        Reply::Tool { text, name, input } => (text, Some((name, input))),
    };
    // Codex drops a text delta that arrives before its item was added.
    let message_id = format!("msg_mock_{n:04}");
    events.push((
        "response.output_item.added",
        json!({"type": "response.output_item.added", "output_index": 0, "item": {
            "type": "message", "id": message_id, "role": "assistant", "status": "in_progress",
            "content": []}}),
    ));
    events.push((
        "response.output_text.delta",
        json!({"type": "response.output_text.delta", "item_id": message_id,
               "output_index": 0, "content_index": 0, "delta": text}),
    ));
    events.push((
        "response.output_item.done",
        json!({"type": "response.output_item.done", "output_index": 0, "item": {
            "type": "message", "id": message_id, "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}}),
    ));
    if let Some((name, input)) = tool {
        let call = json!({"type": "function_call", "id": format!("fc_mock_{n:04}"),
            "call_id": format!("call_mock_{n:04}"), "name": name,
            "arguments": input.to_string(), "status": "completed"});
        events.push((
            "response.output_item.added",
            json!({"type": "response.output_item.added", "output_index": 1, "item": call}),
        ));
        events.push((
            "response.output_item.done",
            json!({"type": "response.output_item.done", "output_index": 1, "item": call}),
        ));
    }
    events.push((
        "response.completed",
        json!({"type": "response.completed", "response": {
            "id": response_id, "object": "response", "status": "completed",
            "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": 32}}}),
    ));
    events
}
