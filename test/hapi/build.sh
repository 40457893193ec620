#!/usr/bin/env bash
# Builds the HAPI FHIR interop test server into one runnable jar, then unpacks it
# (an unpacked Spring Boot jar starts several times faster than the nested one).
# Idempotent: does nothing when the jar is newer than every source file.
# Maven keeps its downloads in ~/.m2, so only the first build on a machine is slow.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

JAR=target/hapi-test-server.jar
EXTRACTED=target/extracted/hapi-test-server.jar

install_toolchain() {
  # Our machines ship Java 17 and Maven; install them only on a machine without them.
  if command -v mvn >/dev/null && command -v java >/dev/null; then
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "build.sh: installing Java 17 and Maven from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
  else
    echo "build.sh: Java 17 and Maven 3.8+ are required (java and mvn on PATH)" >&2
    exit 1
  fi
}

up_to_date() {
  [ -f "$JAR" ] && [ -f "$EXTRACTED" ] || return 1
  [ -z "$(find pom.xml src -newer "$JAR" -print -quit)" ]
}

if up_to_date; then
  echo "build.sh: $JAR is up to date"
  exit 0
fi

package() {
  # Debian's Maven prints bare ANSI resets even in batch mode; drop them (pipefail keeps mvn's status).
  mvn -q -B -Dstyle.color=never package -DskipTests 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}

install_toolchain
start=$(date +%s)
# One retry: a dropped connection to Maven Central should not fail a CI run.
if ! package; then
  echo "build.sh: Maven failed, retrying once" >&2
  package
fi
rm -rf target/extracted
java -Djarmode=tools -jar "$JAR" extract --destination target/extracted >/dev/null
echo "build.sh: built $JAR in $(( $(date +%s) - start )) s"
