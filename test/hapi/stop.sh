#!/usr/bin/env bash
# Stops the HAPI FHIR interop test server started by start.sh. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PID_FILE=target/hapi.pid
if [ ! -f "$PID_FILE" ]; then
  echo "stop.sh: not running"
  exit 0
fi
pid="$(cat "$PID_FILE")"
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: pid $pid ignored SIGTERM for 30 s; killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  echo "stop.sh: stopped pid $pid"
else
  echo "stop.sh: pid $pid was not running"
fi
rm -f "$PID_FILE"
