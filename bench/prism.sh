#!/usr/bin/env bash
# Measures the peer: Prism (@stoplight/prism-cli) mocking Payroc's OpenAPI
# file, under the same load that `ferry bench` puts on Ferry's status and
# submit endpoints. Installs Prism into bench/node_modules on first use.
#
#   bash bench/prism.sh                  # 10 s per scenario, 32 clients
#   DURATION=30s CONCURRENCY=64 bash bench/prism.sh
#
# Needs Node.js with npm, and Go. Results go to bench/prism-results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

SPEC="${SPEC:-../shared/payroc/payroc-openapi-spec.yaml}"
PORT="${PORT:-4010}"
DURATION="${DURATION:-10s}"
CONCURRENCY="${CONCURRENCY:-32}"

if [ ! -x bench/node_modules/.bin/prism ]; then
  echo "--- installing @stoplight/prism-cli"
  npm install --prefix bench --no-audit --no-fund --no-save @stoplight/prism-cli >/dev/null
fi
echo "--- $(bench/node_modules/.bin/prism --version | head -1) mocking $SPEC on 127.0.0.1:$PORT"
bench/node_modules/.bin/prism mock --host 127.0.0.1 --port "$PORT" "$SPEC" >bench/prism.log 2>&1 &
prism=$!
trap 'kill $prism 2>/dev/null; wait $prism 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/refund-instructions/a37439165d134678a9100ebba3b29597" \
    -H 'Authorization: Bearer bench' && break
  sleep 0.5
done

# Payroc's paths sit under the server URL .../v1; Prism serves them at /.
go run ./cmd/ferry bench --target "http://127.0.0.1:$PORT" --scenarios baseline,status,submit \
  --duration "$DURATION" --concurrency "$CONCURRENCY" --out bench/prism-results.json
