#!/usr/bin/env bash
# Installs the benchmark anchors, each in its own folder, nothing global:
#   bench/anchors/js   the JS LangGraph server (@langchain/langgraph-cli dev), npm
#   bench/anchors/py   the Python LangGraph server (langgraph dev), pip in ./.venv
# Idempotent: an anchor whose inputs did not change since its last successful
# install (stamp = hash of its manifest) is left alone. Each anchor is tried
# even if the other fails; the exit code is non-zero if any failed.
#   usage: bench/anchors/setup.sh [js] [py]     (default: both)
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BENCH="$(dirname "$HERE")"
export LANGSMITH_TRACING=false LANGCHAIN_TRACING_V2=false LANGGRAPH_CLI_NO_ANALYTICS=1
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

want="${*:-js py}"
status=0

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

setup_js() {
  local dir="$HERE/js"
  # The very same graph module agent-runs serves, resolved against this folder's packages.
  cp "$BENCH/echo-graph.ts" "$dir/echo-graph.ts"
  local want_hash; want_hash="$(hash_of "$dir/package.json")"
  if [[ -f "$dir/.setup-stamp" && "$(cat "$dir/.setup-stamp")" == "$want_hash" && -x "$dir/node_modules/.bin/langgraphjs" ]]; then
    echo "anchors/js: up to date"
    return 0
  fi
  echo "anchors/js: npm install (langgraph-cli, langgraph-api) ..."
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error) || return 1
  [[ -x "$dir/node_modules/.bin/langgraphjs" ]] || { echo "anchors/js: no langgraphjs binary after install" >&2; return 1; }
  echo "$want_hash" > "$dir/.setup-stamp"
  echo "anchors/js: installed"
}

setup_py() {
  local dir="$HERE/py"
  local py="${PYTHON:-python3}"
  local want_hash; want_hash="$(hash_of "$dir/requirements.txt")"
  if [[ -f "$dir/.setup-stamp" && "$(cat "$dir/.setup-stamp")" == "$want_hash" && -x "$dir/.venv/bin/langgraph" ]]; then
    echo "anchors/py: up to date"
    return 0
  fi
  echo "anchors/py: venv + pip install -r requirements.txt ..."
  if [[ ! -x "$dir/.venv/bin/python" ]]; then
    "$py" -m venv "$dir/.venv" || return 1
  fi
  "$dir/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
  "$dir/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$dir/requirements.txt" || return 1
  [[ -x "$dir/.venv/bin/langgraph" ]] || { echo "anchors/py: no langgraph binary after install" >&2; return 1; }
  echo "$want_hash" > "$dir/.setup-stamp"
  echo "anchors/py: installed"
}

for anchor in $want; do
  case "$anchor" in
    js) setup_js || { echo "anchors/js: FAILED" >&2; status=1; } ;;
    py) setup_py || { echo "anchors/py: FAILED" >&2; status=1; } ;;
    *) echo "unknown anchor: $anchor (expected js or py)" >&2; status=2 ;;
  esac
done
exit "$status"
