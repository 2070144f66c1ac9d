#!/usr/bin/env bash
# Runs the mood-sync benchmarks:
#   benchmarks/run.sh [all|migrate|reconcile|latency|latency-sizes|sustained|micro]... [--quick] [--runs N] [--jfr]
# "all" is migrate, reconcile, latency, latency-sizes, sustained and micro. --runs N: N measured runs of every
# harness figure (default 3, 2 with --quick). --jfr records a JFR profile of the run (benchmarks/target/bench.jfr;
# read it with: jfr print --events jdk.ExecutionSample benchmarks/target/bench.jfr).
# Builds the module and the library modules it needs in this checkout's reactor (never "mvn install": the jars come
# from the modules' target directories, so the run measures this checkout's code) when it is not built yet or any
# source is newer, then runs the harness on the module's runtime class path. Prints a table; writes
# benchmarks/target/benchmarks.json and benchmarks.txt. Needs node for the reference PDS (testing/pds, with its
# node_modules installed).
# Environment: BENCH_JAVA_OPTS (default: -Xms1g -Xmx1g), MVN_ARGS (extra Maven arguments, e.g. -o),
# BENCH_PDS_DIR (the testing/pds directory to run the PDS from; default: this checkout's testing/pds).
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
elif [[ -n "$(find "$here/src" "$here/pom.xml" "$root/pom.xml" "$root"/mood-sync-*/src "$root"/mood-sync-*/pom.xml \
    "$root/examples/src" "$root/examples/pom.xml" -newer "$stamp" -print -quit)" ]]; then
  stale=1
fi
if [[ $stale == 1 ]]; then
  echo "[run.sh] building the benchmarks module" >&2
  if ! mvn -q ${MVN_ARGS:-} -f "$root/pom.xml" -pl benchmarks -am package -DskipTests >&2; then
    echo "[run.sh] build failed" >&2
    exit 1
  fi
  touch "$stamp"
fi

# Run on a private copy of the class path's jars: parallel "mvn install" runs rewrite the shared ~/.m2 jars, and a
# jar rewritten under a running JVM breaks it (NoClassDefFoundError).
runlib="$here/target/runlib"
rm -rf "$runlib" && mkdir -p "$runlib"
cp -r "$classes" "$runlib/classes"   # the harness's own classes too, so a rebuild during a run cannot break it
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
jfr=()
for a in "$@"; do
  if [[ "$a" == "--jfr" ]]; then
    jfr=("-XX:StartFlightRecording=filename=$here/target/bench.jfr,settings=profile")
  else
    args+=("$a")
  fi
done
[[ ${#args[@]} -eq 0 ]] && args=(all)

exec java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} "${jfr[@]}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo=error \
  -Dorg.slf4j.simpleLogger.log.org.mongodb.driver=warn \
  -Dmoodsync.pds.dir="${BENCH_PDS_DIR:-$root/testing/pds}" \
  -Dmoodsync.pds.logDir="$here/target/reference-pds" \
  -cp "$runlib/classes$cp_run" \
  computer.aesthetic.moodsync.benchmarks.Bench --out "$here/target" "${args[@]}"
