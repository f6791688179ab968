#!/usr/bin/env bash
# Benchmarks: every stage against a baseline measured in the same JVM and run.
#   bench/run.sh            full sizes (1M commits + 100k issues backfill), a few minutes
#   bench/run.sh --quick    small sizes, a smoke check
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q install -DskipTests
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
exec java -Xmx1g -XX:+UseG1GC -cp "bench/target/classes:$(cat bench/target/bench.classpath)" \
  dev.ghactivity.bench.BenchmarkSuite "$@"
