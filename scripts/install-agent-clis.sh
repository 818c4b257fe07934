#!/usr/bin/env bash
# Installs the real agent CLIs that the real-CLI tests (crates/cadre/tests/real_cli.rs)
# run against a local mock of the model APIs: pinned versions of Claude Code and Codex
# from npm, into one directory that nothing else uses.
#
#   scripts/install-agent-clis.sh      # installs into target/agent-clis
#   CADRE_AGENT_CLIS_DIR=/opt/clis scripts/install-agent-clis.sh
#
# The binaries end up in "$DIR/bin/claude" and "$DIR/bin/codex". Running it again
# when those versions are already there does nothing (it takes milliseconds), so
# CI and the test setup can call it unconditionally. Needs node and npm; the only
# network it uses is the npm registry.
set -euo pipefail

# Pinned: versions verified to install and run headless against the mock. Bumping
# one means rerunning `cargo test -p cadre --test real_cli`.
CLAUDE_CODE_VERSION=2.1.330
CODEX_VERSION=0.169.0

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${CADRE_AGENT_CLIS_DIR:-$root/target/agent-clis}
want="@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION @openai/codex@$CODEX_VERSION"
stamp=$dir/installed

installed() {
  [[ -f $stamp && "$(cat "$stamp")" == "$want" && -x $dir/bin/claude && -x $dir/bin/codex ]]
}

if installed; then
  exit 0
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "install-agent-clis: $tool is needed to install the agent CLIs; install Node.js (20 or newer)" >&2
    exit 1
  fi
done

mkdir -p "$dir"
# Two test processes may start the installation at once; the second waits for the
# first and then finds everything installed.
if command -v flock >/dev/null; then
  exec 9>"$dir/.lock"
  flock 9
  if installed; then
    exit 0
  fi
fi

echo "install-agent-clis: installing $want into $dir" >&2
rm -f "$stamp"
# A global install under our own prefix puts the executables in $dir/bin. The
# packages' install scripts must run: they fetch nothing, but wire the native
# binary shipped in a per-platform optional dependency.
npm install --global --prefix "$dir" --no-audit --no-fund --loglevel=error \
  "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" "@openai/codex@$CODEX_VERSION" >&2

for bin in claude codex; do
  if ! "$dir/bin/$bin" --version >/dev/null 2>&1; then
    echo "install-agent-clis: $dir/bin/$bin was installed but does not run" >&2
    exit 1
  fi
done
echo "$want" >"$stamp"
