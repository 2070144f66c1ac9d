#!/usr/bin/env bash
# Runs JShell with mood-sync on the class path and the operations imports loaded.
#
#   examples/jshell/moodsync-jshell.sh                                   # interactive
#   MOODSYNC_MONGO_URI=mongodb://localhost:27017 MOODSYNC_PDS_URL=https://pds.example \
#   MOODSYNC_HANDLE=jeffrey examples/jshell/moodsync-jshell.sh examples/jshell/check-sync.jsh
#
# Builds the project first (mvn -q -DskipTests install) when examples/target/classpath.txt is missing.
# Scripts are dry runs unless APPLY=1. Settings: see examples/jshell/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
classpath_file="$root/examples/target/classpath.txt"

if [[ ! -f "$classpath_file" || ! -d "$root/examples/target/classes" ]]; then
  echo "moodsync-jshell: building mood-sync first (mvn -q -DskipTests install in $root) ..." >&2
  (cd "$root" && mvn -q -DskipTests install)
fi

jshell_bin="jshell"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/jshell" ]]; then
  jshell_bin="$JAVA_HOME/bin/jshell"
elif ! command -v jshell >/dev/null 2>&1; then
  echo "moodsync-jshell: jshell not found: install a JDK 17+ and put its bin/ on the PATH, or set JAVA_HOME" >&2
  exit 127
fi

exec "$jshell_bin" \
  --class-path "$root/examples/target/classes:$(cat "$classpath_file")" \
  --startup DEFAULT --startup "$here/imports.jsh" \
  "$@"
