#!/usr/bin/env bash
# Runs every test: the .NET solution (unit, end-to-end over JSON-RPC, real processes, real models),
# then the VS Code extension's unit and end-to-end tests. Installs what it needs; prints one
# closing line "N passed, N failed, N skipped" summed over all runners.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/artifacts/test-results"
rm -rf "$out"
mkdir -p "$out"

if [ -z "${LSPCOPILOT_TEST_MODELS:-}" ] && [ -d "$root/../shared/models" ]; then
  export LSPCOPILOT_TEST_MODELS="$root/../shared/models"
fi
[ -n "${LSPCOPILOT_TEST_MODELS:-}" ] || echo "note: ../shared/models not found: model tests will be skipped."
# The model-server backends are tested against upstream llama-server where ../shared/bin has it.
if [ -z "${LSPCOPILOT_LLAMA_SERVER:-}" ] && [ -x "$root/../shared/bin/llama-server" ]; then
  export LSPCOPILOT_LLAMA_SERVER="$root/../shared/bin/llama-server"
fi
[ -n "${LSPCOPILOT_LLAMA_SERVER:-}" ] || echo "note: ../shared/bin/llama-server not found: the real-llama-server tests will be skipped."

passed=0; failed=0; skipped=0; status=0

# The SSH transport test needs a real OpenSSH server on 127.0.0.1.
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
  echo "== installing openssh-server/openssh-client for the SSH test"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client >/dev/null; } \
    || echo "note: could not install OpenSSH: the SSH test will be skipped."
fi

# The systemd unit in deploy/ is checked with systemd-analyze verify.
if ! command -v systemd-analyze >/dev/null; then
  echo "== installing systemd for the unit check"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; } \
    || echo "note: could not install systemd: the systemd-analyze test will be skipped."
fi

# The Neovim end-to-end test drives the server from a real Neovim (Debian's package; 0.7.2 on bookworm).
if ! command -v nvim >/dev/null; then
  echo "== installing neovim for the Neovim end-to-end test"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null; } \
    || echo "note: could not install Neovim: the Neovim end-to-end test will be skipped."
fi

echo "== .NET: build and test (Release)"
dotnet build LspCopilot.sln -c Release --nologo -v q 2>&1 | tail -n 20
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; fi
# -m:1: one test assembly at a time (llama.cpp threads fill every core).
dotnet test LspCopilot.sln -c Release --no-build --nologo -m:1 --logger "trx" --results-directory "$out/dotnet" 2>&1 | tee "$out/dotnet.log" | grep -vE '^\s*$'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
# Counted from the TRX files, which hold every test that ran even when the console summary is missing
# (a test process that crashes prints no "Passed!/Failed!" line).
for trx in "$out"/dotnet/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -oE '<Counters [^>]*>' "$trx" | head -1)
  get() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$counters"; }
  t=$(get total); e=$(get executed); p=$(get passed); f=$(get failed); er=$(get error); to=$(get timeout); ab=$(get aborted)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${er:-0} + ${to:-0} + ${ab:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done

if [ -f vscode-extension/package.json ]; then
  echo "== VS Code extension: unit tests"
  (cd vscode-extension && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run --silent test) 2>&1 | tee "$out/extension-unit.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "== VS Code extension: end to end in code-server + Chromium"
  (cd vscode-extension && npm run --silent test:e2e) 2>&1 | tee "$out/extension-e2e.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  for log in "$out/extension-unit.log" "$out/extension-e2e.log"; do
    # node's test runner ends with "# pass N", "# fail N", "# skipped N"; our e2e runner prints "N passed, N failed".
    p=$(grep -E '^(# |ℹ )pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$'); f=$(grep -E '^(# |ℹ )fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$'); s=$(grep -E '^(# |ℹ )skipped [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    if [ -z "$p" ]; then
      line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
      p=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$line"); f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line"); s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
    fi
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  done
fi

if [ "$status" -ne 0 ]; then
  # Printed last so that the tail of the CI log names what failed.
  echo "== what failed"
  for trx in "$out"/dotnet/*.trx; do
    [ -f "$trx" ] || continue
    awk '/<UnitTestResult / && /outcome="(Failed|Error|Timeout|Aborted)"/ { match($0, /testName="[^"]*"/); print "  .NET: " substr($0, RSTART + 10, RLENGTH - 11); want = 1; next }
         want && /<Message>/ { inmsg = 1; n = 0 }
         inmsg { last = /<\/Message>/; gsub(/<\/?Message>/, ""); if (n++ < 6) print "    " $0; if (last || n >= 6) { inmsg = 0; want = 0 } }' "$trx"
  done
  grep -hE -A6 'Catastrophic failure|\[FATAL ERROR\]|Test Run Aborted|process crashed|No test is available' "$out/dotnet.log" | head -n 40
  for log in "$out/extension-unit.log" "$out/extension-e2e.log"; do
    [ -f "$log" ] && grep -hE -A6 '^\s*(✖|not ok)' "$log" | head -n 40
  done
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
