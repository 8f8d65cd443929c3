#!/usr/bin/env bash
# setup-e2e.sh [DEST] — installs what the real-VS-Code tests need, idempotently:
#   code-server 4.100.3 (VS Code 1.100.3 workbench, the last release whose engines.node is 20)
#   into DEST (default: <repo>/.e2e/code-server, gitignored), and Debian's chromium (driven by
#   playwright-core), libkrb5-dev (a header code-server's 'kerberos' module compiles against) and
#   ripgrep (the rg binary @vscode/ripgrep would otherwise download from GitHub).
# Each workaround below says why it is needed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-$ROOT/.e2e/code-server}
CS_VERSION=4.100.3

# Test files run in parallel and each may call this script: one install at a time, or two npm
# installs (and their native builds) would write the same directory.
mkdir -p "$(dirname "$DEST")"
exec 9>"$(dirname "$DEST")/.setup.lock"
flock 9

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ -x "$DEST/node_modules/.bin/code-server" ] && command -v chromium >/dev/null; then
  echo "setup-e2e: code-server $CS_VERSION and chromium already installed ($DEST)"; exit 0
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "setup-e2e: need Debian packages ${need_apt[*]} but am not root and have no sudo" >&2; exit 2
  fi
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi
if [ -x "$DEST/node_modules/.bin/code-server" ]; then echo "setup-e2e: code-server already in $DEST"; exit 0; fi

# @vscode/ripgrep's postinstall looks in this cache before trying GitHub: seed it with Debian's rg.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TGZ" ]; then
  tmp=$(mktemp -d); cp "$(command -v rg)" "$tmp/rg"; mkdir -p "$RG_CACHE"; tar czf "$RG_TGZ" -C "$tmp" rg; rm -rf "$tmp"
fi

mkdir -p "$DEST"; cd "$DEST"
# Exact pin: a caret range resolves to 4.108.x, which needs Node 22.
cat > package.json <<JSON
{ "name": "e2e-code-server", "private": true,
  "dependencies": { "code-server": "$CS_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true } }
JSON
# unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty's postinstall runs npx.
npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund
# (not `code-server --version`: that writes ~/.config/code-server/config.yaml)
echo "setup-e2e: installed code-server $(node -p "require('$DEST/node_modules/code-server/package.json').version")"
