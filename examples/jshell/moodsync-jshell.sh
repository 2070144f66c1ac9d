#!/usr/bin/env bash
# Runs JShell with mood-sync on the class path and the operations imports loaded.
#
#   examples/jshell/moodsync-jshell.sh                                   # interactive
#   MOODSYNC_MONGO_URI=mongodb://localhost:27017 MOODSYNC_PDS_URL=https://pds.example \
#   MOODSYNC_HANDLE=jeffrey examples/jshell/moodsync-jshell.sh examples/jshell/check-sync.jsh
#
# Builds the project first (mvn package in the reactor) when examples/target/classpath.txt is missing.
# Scripts are dry runs unless APPLY=1. Settings: see examples/jshell/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
classpath_file="$root/examples/target/classpath.txt"

if [[ ! -f "$classpath_file" || ! -d "$root/examples/target/classes" ]]; then
  echo "moodsync-jshell: building mood-sync first (mvn package in $root) ..." >&2
  (cd "$root" && mvn -q -B -ntp -Dstyle.color=never -DskipTests -pl examples -am package)
fi

jshell_bin="jshell"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/jshell" ]]; then
  jshell_bin="$JAVA_HOME/bin/jshell"
elif ! command -v jshell >/dev/null 2>&1; then
  echo "moodsync-jshell: jshell not found: install a JDK 17+ and put its bin/ on the PATH, or set JAVA_HOME" >&2
  exit 127
fi

# JShell's own JVM and the JVM that runs the script start with the quick-starting compiler (C1) and the serial
# collector: a script then starts in about 5 s instead of 20 s (the work is MongoDB and PDS calls, not CPU).
# MOODSYNC_JSHELL_OPTS replaces these options (an empty value keeps the JVM defaults).
jvm_opts="${MOODSYNC_JSHELL_OPTS--J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -R-XX:TieredStopAtLevel=1 -R-XX:+UseSerialGC}"
# shellcheck disable=SC2086
exec "$jshell_bin" $jvm_opts \
  --class-path "$root/examples/target/classes:$(cat "$classpath_file")" \
  --startup DEFAULT --startup "$here/imports.jsh" \
  "$@"
