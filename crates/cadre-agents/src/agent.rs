//! The catalogue of supported agents: ids, names, binaries and capabilities.

use std::fmt;
use std::str::FromStr;

/// A supported agent CLI. The string form (`as_str`) is the stable id stored in the
/// database and used in profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgentId {
    /// Anthropic Claude Code (`claude`).
    ClaudeCode,
    /// OpenAI Codex CLI (`codex`).
    Codex,
    /// Google Gemini CLI (`gemini`).
    Gemini,
    /// Qwen Code (`qwen`), a Gemini CLI fork with Claude-compatible stream output.
    QwenCode,
    /// Cursor's headless agent (`cursor-agent`).
    Cursor,
    /// OpenCode (`opencode`).
    OpenCode,
    /// Sourcegraph Amp (`amp`), Claude-compatible stream output.
    Amp,
    /// GitHub Copilot CLI (`copilot`).
    Copilot,
    /// Factory Droid (`droid`).
    Droid,
    /// Block Goose (`goose`).
    Goose,
    /// Aider (`aider`), plain text output.
    Aider,
    /// Any user-configured executable, plain text output.
    Command,
}

/// Error returned when parsing an unknown agent id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agent id `{0}`")]
pub struct UnknownAgent(pub String);

impl AgentId {
    /// Every agent, in display order.
    pub const ALL: [AgentId; 12] = [
        AgentId::ClaudeCode,
        AgentId::Codex,
        AgentId::Gemini,
        AgentId::QwenCode,
        AgentId::Cursor,
        AgentId::OpenCode,
        AgentId::Amp,
        AgentId::Copilot,
        AgentId::Droid,
        AgentId::Goose,
        AgentId::Aider,
        AgentId::Command,
    ];

    /// The stable id, e.g. `claude-code`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentId::ClaudeCode => "claude-code",
            AgentId::Codex => "codex",
            AgentId::Gemini => "gemini",
            AgentId::QwenCode => "qwen-code",
            AgentId::Cursor => "cursor",
            AgentId::OpenCode => "opencode",
            AgentId::Amp => "amp",
            AgentId::Copilot => "copilot",
            AgentId::Droid => "droid",
            AgentId::Goose => "goose",
            AgentId::Aider => "aider",
            AgentId::Command => "command",
        }
    }

    /// Human-readable name for the UI.
    pub fn display_name(self) -> &'static str {
        match self {
            AgentId::ClaudeCode => "Claude Code",
            AgentId::Codex => "Codex",
            AgentId::Gemini => "Gemini CLI",
            AgentId::QwenCode => "Qwen Code",
            AgentId::Cursor => "Cursor Agent",
            AgentId::OpenCode => "OpenCode",
            AgentId::Amp => "Amp",
            AgentId::Copilot => "GitHub Copilot CLI",
            AgentId::Droid => "Factory Droid",
            AgentId::Goose => "Goose",
            AgentId::Aider => "Aider",
            AgentId::Command => "Custom command",
        }
    }

    /// The executable looked up on `PATH`; `None` for [`AgentId::Command`], whose
    /// program comes from its configuration.
    pub fn default_binary(self) -> Option<&'static str> {
        match self {
            AgentId::ClaudeCode => Some("claude"),
            AgentId::Codex => Some("codex"),
            AgentId::Gemini => Some("gemini"),
            AgentId::QwenCode => Some("qwen"),
            AgentId::Cursor => Some("cursor-agent"),
            AgentId::OpenCode => Some("opencode"),
            AgentId::Amp => Some("amp"),
            AgentId::Copilot => Some("copilot"),
            AgentId::Droid => Some("droid"),
            AgentId::Goose => Some("goose"),
            AgentId::Aider => Some("aider"),
            AgentId::Command => None,
        }
    }

    /// Name of the environment variable that overrides the binary, e.g.
    /// `CADRE_CLAUDE_CODE_BIN`.
    pub fn env_override_var(self) -> String {
        format!(
            "CADRE_{}_BIN",
            self.as_str().to_ascii_uppercase().replace('-', "_")
        )
    }

    /// Whether the CLI can continue a previous session by id. For the others, carry
    /// the conversation in the prompt with [`crate::summarize_for_prompt`].
    pub fn supports_resume(self) -> bool {
        !matches!(self, AgentId::Aider | AgentId::Command)
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AgentId {
    type Err = UnknownAgent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgentId::ALL
            .into_iter()
            .find(|id| id.as_str() == s)
            .ok_or_else(|| UnknownAgent(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_round_trips_through_its_string() {
        for id in AgentId::ALL {
            assert_eq!(id.as_str().parse::<AgentId>(), Ok(id));
            assert_eq!(id.to_string(), id.as_str());
        }
    }

    #[test]
    fn unknown_id_is_an_error() {
        assert_eq!(
            "claude".parse::<AgentId>(),
            Err(UnknownAgent("claude".into()))
        );
    }

    #[test]
    fn env_override_var_uppercases_and_replaces_dashes() {
        assert_eq!(
            AgentId::ClaudeCode.env_override_var(),
            "CADRE_CLAUDE_CODE_BIN"
        );
        assert_eq!(AgentId::QwenCode.env_override_var(), "CADRE_QWEN_CODE_BIN");
        assert_eq!(AgentId::Codex.env_override_var(), "CADRE_CODEX_BIN");
    }

    #[test]
    fn only_command_has_no_default_binary() {
        for id in AgentId::ALL {
            assert_eq!(id.default_binary().is_none(), id == AgentId::Command);
        }
        assert_eq!(AgentId::Cursor.default_binary(), Some("cursor-agent"));
    }
}
