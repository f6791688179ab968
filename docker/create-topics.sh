#!/bin/bash
# Creates the pipeline's topics (compacted: every key is an identity) if they do not exist.
set -euo pipefail
bootstrap="$1"
partitions="${PARTITIONS:-3}"
for topic in github.commits github.issues github.ingest-state github.monthly-activity; do
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor 1 \
    --config cleanup.policy=compact --config min.compaction.lag.ms=60000
done
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic github.monthly-activity.dlq --partitions 1 --replication-factor 1
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic github.streams.dlq --partitions 1 --replication-factor 1
