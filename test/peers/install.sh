#!/usr/bin/env bash
# Installs the test peers that are not npm packages. Idempotent; each step
# fails loudly. Used by .ci/run; run it by hand once before `npm test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/go/bin:$PATH"

if ! command -v grpcurl >/dev/null; then
  echo "installing grpcurl v1.9.4 from the Go module proxy"
  go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
fi
grpcurl -version

# The MongoDB-wire test server (mongo-java-server on Java 17 + Maven).
command -v java >/dev/null || { echo "java is required for the MongoDB test server" >&2; exit 1; }
command -v mvn >/dev/null || { echo "mvn is required for the MongoDB test server" >&2; exit 1; }
npx tsx test/mongo-server/server.ts --build-only
