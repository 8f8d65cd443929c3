#!/usr/bin/env bash
# setup-corpus.sh — installs the Debian packages whose Rust sources make up the real-code corpus
# (test/corpus/crates.json: librust-<crate>-dev unpacks under /usr/share/cargo/registry/, rust-src
# under /usr/src/rustc-<version>/), idempotently: apt runs only when a package is missing.
# The versions apt serves may differ from the ones the ledger (test/corpus/ledger.json) was
# reviewed against; the corpus test then says which version it found.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIST="$ROOT/test/corpus/crates.json"

# Test files may start in parallel: one apt run at a time.
exec 9>"${TMPDIR:-/tmp}/refcount-review-setup-corpus.lock"
flock 9

mapfile -t packages < <(node -e 'for (const c of require(process.argv[1]).crates) console.log(c.package)' "$LIST")
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-corpus: all ${#packages[@]} corpus packages already installed"; exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "setup-corpus: need Debian packages ${missing[*]} but am not root and have no sudo" >&2; exit 2
fi
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
for p in "${missing[@]}"; do echo "setup-corpus: installed $p $(dpkg-query -W -f='${Version}' "$p")"; done
