#!/usr/bin/env bash
# Load and fault test of `sharplm serve`: starts the server on MODEL as its own process, runs
# `sharplm bench soak` against it (CLIENTS concurrent streaming clients for MINUTES, random prompt lengths,
# dropped connections, slow readers; the server's RSS sampled from /proc), then stops the server.
# Writes OUT/soak.json, OUT/soak-rss.png and OUT/server.log; exits non-zero on any 5xx or a request left running.
#
#   scripts/serve-load.sh runs/quickstart/model 64 2 runs/soak          # the 2-minute run
#   scripts/serve-load.sh runs/quickstart/model 64 10 runs/soak-10min   # the 10-minute run
#
# SHARPLM names the command (default: the built CLI, else `dotnet run --project src/SharpLM.Cli --`);
# PARALLEL sets the server's slots (default 8), PORT its port (default 8391).
set -euo pipefail
MODEL=${1:?usage: scripts/serve-load.sh MODEL [CLIENTS] [MINUTES] [OUT]}
CLIENTS=${2:-64}
MINUTES=${3:-2}
OUT=${4:-runs/soak}
PARALLEL=${PARALLEL:-8}
PORT=${PORT:-8391}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${SHARPLM:-}" ]]; then
  if [[ -x "$ROOT/src/SharpLM.Cli/bin/Release/net10.0/sharplm" ]]; then SHARPLM="$ROOT/src/SharpLM.Cli/bin/Release/net10.0/sharplm"
  elif [[ -x "$ROOT/src/SharpLM.Cli/bin/Debug/net10.0/sharplm" ]]; then SHARPLM="$ROOT/src/SharpLM.Cli/bin/Debug/net10.0/sharplm"
  else SHARPLM="dotnet run --project $ROOT/src/SharpLM.Cli --"; fi
fi
mkdir -p "$OUT"
# The queue holds every client, so a 503 means a fault rather than a full queue.
$SHARPLM serve --model "$MODEL" --port "$PORT" --parallel "$PARALLEL" --queue $((CLIENTS * 2)) > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if curl -fs "http://127.0.0.1:$PORT/health" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then echo "the server stopped; see $OUT/server.log" >&2; exit 1; fi
  sleep 0.5
done
$SHARPLM bench soak --url "http://127.0.0.1:$PORT" --model "$MODEL" --clients "$CLIENTS" --minutes "$MINUTES" --server-pid "$SERVER" --out "$OUT"
