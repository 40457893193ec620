#!/usr/bin/env bash
# Starts the HAPI FHIR interop test server in the background and waits until
# GET /fhir/metadata answers 200. Idempotent: a server already started by this
# script is reused. Writes target/hapi.pid and target/hapi.log.
#
# Environment:
#   HAPI_PORT           port (default 8091); the FHIR base is http://127.0.0.1:$HAPI_PORT/fhir
#   HAPI_BIND           address to listen on (default 127.0.0.1)
#   HAPI_START_TIMEOUT  seconds to wait for it to answer (default 300)
#   HAPI_JAVA_OPTS      JVM options (default: 2 GB heap, C1 only: it starts in a third of the time)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PORT="${HAPI_PORT:-8091}"
BIND="${HAPI_BIND:-127.0.0.1}"
TIMEOUT="${HAPI_START_TIMEOUT:-300}"
JAVA_OPTS="${HAPI_JAVA_OPTS:--Xms512m -Xmx2g -XX:TieredStopAtLevel=1 -XX:+UseParallelGC}"
PID_FILE=target/hapi.pid
LOG_FILE=target/hapi.log
JAR=target/extracted/hapi-test-server.jar
METADATA="http://127.0.0.1:${PORT}/fhir/metadata"

answers() {
  [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$METADATA" || true)" = 200 ]
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

if pid="$(running_pid)"; then
  if answers; then
    echo "start.sh: HAPI FHIR already running (pid $pid) at http://127.0.0.1:${PORT}/fhir"
    exit 0
  fi
  echo "start.sh: pid $pid from an earlier start does not answer; stopping it" >&2
  ./stop.sh
fi

if answers; then
  echo "start.sh: something else already answers on port ${PORT}; stop it or set HAPI_PORT" >&2
  exit 1
fi

[ -f "$JAR" ] || ./build.sh

mkdir -p target
start=$(date +%s)
# setsid: the server outlives this script and is not hit by the caller's Ctrl-C.
# shellcheck disable=SC2086
setsid java $JAVA_OPTS -jar "$JAR" --server.port="$PORT" --server.address="$BIND" \
  >"$LOG_FILE" 2>&1 </dev/null &
echo $! >"$PID_FILE"
pid=$!

while ! answers; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: HAPI FHIR exited during start-up; last lines of $LOG_FILE:" >&2
    tail -n 40 "$LOG_FILE" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  if [ $(( $(date +%s) - start )) -ge "$TIMEOUT" ]; then
    echo "start.sh: HAPI FHIR did not answer within ${TIMEOUT} s; last lines of $LOG_FILE:" >&2
    tail -n 40 "$LOG_FILE" >&2
    ./stop.sh
    exit 1
  fi
  sleep 1
done

rss_mb=$(( $(ps -o rss= -p "$pid" | tr -d ' ') / 1024 ))
echo "start.sh: HAPI FHIR up at http://127.0.0.1:${PORT}/fhir after $(( $(date +%s) - start )) s (pid $pid, RSS ${rss_mb} MB)"
