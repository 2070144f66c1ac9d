#!/usr/bin/env bash
# Starts a local stack to try the scripts on: an embedded MongoDB and the reference PDS (Node.js 20 and npm), with
# users alice, bob and carol and a few moods each; prints the settings to export in another terminal.
# JAVA_OPTS passes JVM options, such as -Dmoodsync.pds.dir=/path/to/testing/pds. Enter or Ctrl-C stops it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
if [[ ! -f examples/target/classpath.txt || ! -d examples/target/classes ]]; then
  echo "local-stack: building mood-sync first (mvn package in $root) ..." >&2
  mvn -q -B -ntp -Dstyle.color=never -DskipTests -pl examples -am package
fi
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -cp "examples/target/classes:$(cat examples/target/classpath.txt)" \
  computer.aesthetic.moodsync.examples.shell.LocalStack
