#!/usr/bin/env bash
# Benchmarks: every stage against a baseline measured in the same JVM and run; writes bench/results/<date>.md.
#   bench/run.sh                  full sizes (1M commits + 100k issues backfill), about 5 minutes on 2 cores
#   bench/run.sh --quick          small sizes, a smoke check (about 1 minute)
#   bench/run.sh --only backfill  one figure: producer, topology, sqlite, s3, latency, backfill or webhooks
# Environment: BENCH_SKIP_BUILD=1 reuses the last build; BENCH_JAVA_OPTS adds JVM options, e.g. a profile:
#   BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/bench.jfr,settings=profile" bench/run.sh --only topology
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${BENCH_SKIP_BUILD:-0}" != "1" || ! -f bench/target/bench.classpath ]]; then
  # In the reactor, never `install`: the sibling modules resolve from their target/ (nothing goes to ~/.m2), and
  # build-classpath runs in each module after its package, so bench's list names the siblings' fresh jars.
  ./mvnw -B -q -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath >/dev/null
fi
# -Xmx1g: the backfill figure must fit in 1 GiB with the broker, Streams, Connect and S3 server in this JVM.
# The local jar brings its own logback.xml: name ours explicitly (quieter, and no "occurs multiple times" notice).
# shellcheck disable=SC2086
exec java -Xmx1g -XX:+UseG1GC -Dlogback.configurationFile=bench/target/classes/bench-logback.xml ${BENCH_JAVA_OPTS:-} -cp "bench/target/classes:$(cat bench/target/bench.classpath)" \
  dev.ghactivity.bench.BenchmarkSuite "$@"
