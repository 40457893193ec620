#!/usr/bin/env bash
# Validates docker-compose.yml offline with Debian's docker-compose 1.29, the oldest
# Compose the project supports (no Docker engine needed). Installs it when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "check-compose.sh: installing Debian's docker-compose" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  else
    echo "check-compose.sh: docker-compose is not installed (apt-get install docker-compose)" >&2
    exit 1
  fi
fi

docker-compose -f docker-compose.yml config -q
echo "check-compose.sh: docker-compose.yml is valid for $(docker-compose version --short 2>/dev/null || echo docker-compose)"
