#!/usr/bin/env bash
# Installs the polyglot interop peers of test/interop/*.test.ts: a Python
# grpcio client and a Go grpc client, both from stubs that buf generates from
# proto/ with local plugins only. Idempotent; each step fails loudly. Used by
# .ci/run after `npm ci` (it runs buf from node_modules); run it by hand once
# before `npm test`.
#
#   .cache/interop-venv/       Python venv: test/interop/python/requirements.txt
#   .cache/interop/bin/        protoc-gen-go, protoc-gen-go-grpc (go install)
#   test/interop/python/gen/   Python stubs (buf; git-ignored)
#   test/interop/go/gen/       Go stubs (buf; git-ignored)
#   .cache/interop/go-client   the Go client (go build)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PROTOC_GEN_GO=v1.36.12
PROTOC_GEN_GO_GRPC=v1.6.2
VENV=.cache/interop-venv
BIN=.cache/interop/bin
PROTO=proto/agentruns/v1/runs.proto
THREADS=proto/agentruns/v1/threads.proto
# runs.proto imports the protovalidate rules (buf/validate/validate.proto): its stubs are generated too.
RULES=proto/buf/validate/validate.proto

need() { command -v "$1" >/dev/null || { echo "python-go.sh: $1 is required: $2" >&2; exit 1; }; }
need python3 "Python 3 with the venv module"
need go "Go 1.26 or newer (test/interop/go/go.mod says go 1.26)"
[ -x node_modules/.bin/buf ] || { echo "python-go.sh: node_modules/.bin/buf is missing: run 'npm ci' first" >&2; exit 1; }

echo "== python venv ($VENV)"
# A venv whose interpreter no longer runs (its Python was removed) is made anew.
"$VENV/bin/python" -c "" 2>/dev/null || { rm -rf "$VENV"; python3 -m venv "$VENV"; }
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r test/interop/python/requirements.txt
"$VENV/bin/python" -c 'import grpc, grpc_tools, google.protobuf as pb; print("grpcio", grpc.__version__, "protobuf", pb.__version__)'
# The LangGraph Platform's Python client (test/interop/langgraph-sdk-py.test.ts), from the same requirements.
"$VENV/bin/python" -c 'import langgraph_sdk, importlib.metadata as m; print("langgraph-sdk", m.version("langgraph-sdk"))'

echo "== go plugins ($BIN)"
mkdir -p "$BIN"
install_plugin() { # name package version expected-version-line
  if [ "$("$BIN/$1" --version 2>/dev/null || true)" != "$4" ]; then
    GOBIN="$ROOT/$BIN" go install "$2@$3"
  fi
  [ "$("$BIN/$1" --version)" = "$4" ] || { echo "python-go.sh: $BIN/$1 is not $3" >&2; exit 1; }
  echo "$4"
}
install_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO" "protoc-gen-go $PROTOC_GEN_GO"
install_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC" "protoc-gen-go-grpc ${PROTOC_GEN_GO_GRPC#v}"

echo "== stubs (buf generate, local plugins)"
node_modules/.bin/buf generate --template test/interop/python/buf.gen.yaml --path "$PROTO" --path "$THREADS" --path "$RULES"
node_modules/.bin/buf generate --template test/interop/go/buf.gen.yaml --path "$PROTO" --path "$THREADS" --path "$RULES"
for f in test/interop/python/gen/agentruns/v1/runs_pb2.py test/interop/python/gen/agentruns/v1/runs_pb2_grpc.py \
         test/interop/python/gen/agentruns/v1/threads_pb2_grpc.py \
         test/interop/go/gen/agentruns/v1/runs.pb.go test/interop/go/gen/agentruns/v1/runs_grpc.pb.go \
         test/interop/go/gen/agentruns/v1/threads_grpc.pb.go; do
  [ -s "$f" ] || { echo "python-go.sh: buf did not generate $f" >&2; exit 1; }
done
"$VENV/bin/python" -c 'import sys; sys.path.insert(0, "test/interop/python/gen"); from agentruns.v1 import runs_pb2_grpc, threads_pb2_grpc'

echo "== go client (.cache/interop/go-client)"
(cd test/interop/go && go build -buildvcs=false -o "$ROOT/.cache/interop/go-client" .)
echo "interop peers ready"
