#!/usr/bin/env bash
# Installs (when needed) and starts the local reference PDS; see start.js for options/output.
# stdout carries only start.js's single JSON "ready" line; everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

missing=()
command -v node >/dev/null 2>&1 || missing+=("node")
command -v npm  >/dev/null 2>&1 || missing+=("npm")
if (( ${#missing[@]} > 0 )); then
  echo "reference PDS: '${missing[*]}' not found on PATH ($PATH)." >&2
  echo "Install Node.js 20 with npm (e.g. 'apt-get install nodejs npm' on Debian/Ubuntu, or https://nodejs.org/)." >&2
  exit 127
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "reference PDS: Node.js >= 20 is required, found $(node -v)." >&2
  exit 1
fi

stamp="node_modules/.package-lock.json"
if [[ ! -d node_modules || ! -f "$stamp" || package-lock.json -nt "$stamp" ]]; then
  echo "installing the reference PDS (first run, ~2 min)... [npm ci in $here]" >&2
  # better-sqlite3 is compiled from source; use the headers installed with Node (no download).
  if [[ -z "${npm_config_nodedir:-}" ]]; then
    nodedir="$(dirname "$(dirname "$(command -v node)")")"
    if [[ -f "$nodedir/include/node/node.h" ]]; then
      export npm_config_nodedir="$nodedir"
    elif [[ -f /usr/include/node/node.h ]]; then
      export npm_config_nodedir=/usr
    fi
  fi
  start=$SECONDS
  if ! npm ci --no-audit --no-fund --loglevel=error 1>&2; then
    echo "reference PDS: 'npm ci' failed in $here (see output above)." >&2
    exit 1
  fi
  # npm ci writes node_modules/.package-lock.json; touch it so it is newer than package-lock.json.
  touch "$stamp"
  echo "reference PDS: installed in $((SECONDS - start)) s" >&2
fi

exec node start.js "$@"
