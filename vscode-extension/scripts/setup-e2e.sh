#!/usr/bin/env bash
# Installs what the end-to-end test needs, idempotently and quickly when it is already there:
# Debian packages, code-server (cached outside the repository), the extension's npm packages,
# and a fresh Release build of the server.
set -euo pipefail

EXT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$EXT_DIR/.." && pwd)"
CODE_SERVER_VERSION="4.100.3"
RIPGREP_CACHE_NAME="vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
CACHE_DIR="${LSPCOPILOT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lspcopilot-e2e}"
CODE_SERVER_DIR="$CACHE_DIR/code-server-$CODE_SERVER_VERSION"

log() { printf '[setup-e2e] %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
# chromium drives code-server; ripgrep seeds code-server's ripgrep download; openssh-server
# is for the ssh-mode test; the rest builds code-server's native modules.
PACKAGES=(chromium ripgrep openssh-server openssh-client make g++ python3 pkg-config
          libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)
missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]}; install them as root (apt-get install -y ${missing[*]}) and rerun."
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# --- code-server, cached outside the repository ------------------------------------------------
if [[ ! -x "$CODE_SERVER_DIR/node_modules/.bin/code-server" ]]; then
  log "installing code-server@$CODE_SERVER_VERSION into $CODE_SERVER_DIR (about a minute, once)"
  mkdir -p "$CACHE_DIR"
  staging="$(mktemp -d "$CACHE_DIR/.code-server-install.XXXXXX")"
  # @vscode/ripgrep's postinstall would download from GitHub; it first looks for this tarball.
  export TMPDIR="$staging/tmp"
  mkdir -p "$TMPDIR/$(dirname "$RIPGREP_CACHE_NAME")"
  tar -czf "$TMPDIR/$RIPGREP_CACHE_NAME" -C "$(dirname "$(command -v rg)")" rg
  (
    cd "$staging"
    printf '{"name":"lspcopilot-e2e-code-server","private":true}\n' > package.json
    npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
      npm install --no-audit --no-fund --loglevel=error --save-exact "code-server@$CODE_SERVER_VERSION" >&2
  )
  rm -rf "$staging/tmp" "$CODE_SERVER_DIR"
  mv "$staging" "$CODE_SERVER_DIR"
fi

# --- the extension's own packages --------------------------------------------------------------
if [[ ! -f "$EXT_DIR/node_modules/.package-lock.json" || "$EXT_DIR/package-lock.json" -nt "$EXT_DIR/node_modules/.package-lock.json" ]]; then
  log "installing the extension's npm packages"
  npm --prefix "$EXT_DIR" ci --no-audit --no-fund --loglevel=error >&2
fi

# --- the server ---------------------------------------------------------------------------------
DLL="$REPO_DIR/server/LspCopilot.Server/bin/Release/net10.0/lspcopilot.dll"
stale=""
if [[ -n "${LSPCOPILOT_SERVER_DLL:-}" ]]; then
  [[ -f "$LSPCOPILOT_SERVER_DLL" ]] || { log "LSPCOPILOT_SERVER_DLL=$LSPCOPILOT_SERVER_DLL does not exist"; exit 1; }
  log "using the server build $LSPCOPILOT_SERVER_DLL"
elif [[ ! -f "$DLL" ]]; then
  stale="missing"
else
  newer="$(find "$REPO_DIR/server" "$REPO_DIR/Directory.Build.props" "$REPO_DIR/Directory.Packages.props" "$REPO_DIR/global.json" \
    \( -path '*/bin' -o -path '*/obj' \) -prune -o -type f -newer "$DLL" -print -quit 2>/dev/null || true)"
  [[ -n "$newer" ]] && stale="older than $newer"
fi
if [[ -n "$stale" ]]; then
  log "building the server (dll $stale)"
  dotnet build "$REPO_DIR/server/LspCopilot.Server" -c Release -nologo -v quiet >&2
fi

echo "$CODE_SERVER_DIR/node_modules/.bin/code-server"
