#!/usr/bin/env bash
# Runs the mood-sync benchmarks: benchmarks/run.sh [all|migrate|reconcile|latency|micro]... [--quick]
# Builds the module (and the library modules it needs, into the local Maven repository) when it is not built yet
# or its sources are newer, then runs the harness on the module's runtime class path. Prints a table; writes
# benchmarks/target/benchmarks.json and benchmarks.txt. Needs node/npm for the reference PDS (testing/pds).
# Environment: BENCH_JAVA_OPTS (default: -Xms1g -Xmx1g), MVN_ARGS (extra Maven arguments, e.g. -o).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

classes="$here/target/classes"
cp_file="$here/target/classpath.txt"
stamp="$here/target/.built"
stale=0
if [[ ! -f "$cp_file" || ! -f "$classes/META-INF/BenchmarkList" || ! -f "$stamp" ]]; then
  stale=1
elif [[ -n "$(find "$here/src" "$here/pom.xml" -newer "$stamp" -print -quit)" ]]; then
  stale=1
fi
if [[ $stale == 1 ]]; then
  echo "[run.sh] building the benchmarks module" >&2
  if ! mvn -q ${MVN_ARGS:-} -f "$here/pom.xml" package -DskipTests >&2; then
    echo "[run.sh] build failed; are the library modules installed? try: mvn -q install -DskipTests" >&2
    exit 1
  fi
  touch "$stamp"
fi

# Run on a private copy of the class path's jars: parallel "mvn install" runs rewrite the shared ~/.m2 jars, and a
# jar rewritten under a running JVM breaks it (NoClassDefFoundError).
runlib="$here/target/runlib"
rm -rf "$runlib" && mkdir -p "$runlib"
cp_run=""
IFS=":" read -r -a entries < "$cp_file" || true
for e in "${entries[@]}"; do
  if [[ -f "$e" ]]; then
    d="$runlib/$(basename "$(dirname "$(dirname "$e")")")-$(basename "$e")"
    cp "$e" "$d"
    cp_run+=":$d"
  else
    cp_run+=":$e"
  fi
done

args=()
for a in "$@"; do args+=("$a"); done
[[ ${#args[@]} -eq 0 ]] && args=(all)

exec java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo=error \
  -Dorg.slf4j.simpleLogger.log.org.mongodb.driver=warn \
  -Dmoodsync.pds.dir="$root/testing/pds" \
  -Dmoodsync.pds.logDir="$here/target/reference-pds" \
  -cp "$classes$cp_run" \
  computer.aesthetic.moodsync.benchmarks.Bench --out "$here/target" "${args[@]}"
