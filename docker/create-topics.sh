#!/bin/bash
# Creates the pipeline's topics if they do not exist: the reference for your own cluster (README, "Running on
# your own Kafka cluster"); the docker compose topic-init step runs it with the single-node defaults.
#
# Usage: create-topics.sh BOOTSTRAP_SERVERS [kafka-topics.sh options, e.g. --command-config client.properties]
#
# Environment (defaults fit the single-node docker compose; a production cluster of 3+ brokers: 3 and 2):
#   REPLICATION_FACTOR  replicas of every topic (default 1)
#   MIN_ISR             min.insync.replicas of every topic (default 1): the producer and the streams-app write
#                       with acks=all, so a write needs this many replicas in sync; with 3 and 2 one broker can
#                       be down and nothing acknowledged is lost
#   PARTITIONS          partitions of the keyed topics (default 3); records go to partitions by their identity
#                       key, so raise it to spread one large repository over more streams-app instances and
#                       sink tasks (it cannot be lowered later)
#   DLQ_RETENTION_MS    how long a dead-letter topic keeps a record (default 2592000000 = 30 days)
#   KAFKA_TOPICS        kafka-topics.sh to run (default /opt/kafka/bin/kafka-topics.sh)
#
# Every topic but the dead-letter ones is compacted (every key is an identity: its latest value is the truth);
# min.compaction.lag.ms keeps the last minute uncompacted for readers that are just behind. The dead-letter
# topics are time-retained: every bad record is kept, not the last one per key. Kafka Streams creates its own
# changelog and repartition topics (prefix: the application id) with the broker's default.replication.factor
# unless the streams-app is given -X replication.factor=N.
set -euo pipefail

bootstrap="${1:?usage: create-topics.sh BOOTSTRAP_SERVERS [kafka-topics.sh options]}"
shift
replication_factor="${REPLICATION_FACTOR:-1}"
min_isr="${MIN_ISR:-1}"
partitions="${PARTITIONS:-3}"
dlq_retention_ms="${DLQ_RETENTION_MS:-2592000000}"
kafka_topics="${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"

for setting in REPLICATION_FACTOR="$replication_factor" MIN_ISR="$min_isr" PARTITIONS="$partitions" DLQ_RETENTION_MS="$dlq_retention_ms"; do
  if ! [[ "${setting#*=}" =~ ^[1-9][0-9]*$ ]]; then
    echo "create-topics.sh: ${setting%%=*} must be a positive whole number, got '${setting#*=}'" >&2
    exit 2
  fi
done
if (( min_isr > replication_factor )); then
  echo "create-topics.sh: MIN_ISR ($min_isr) is above REPLICATION_FACTOR ($replication_factor): no write could ever succeed; lower MIN_ISR" >&2
  exit 2
fi

compacted=(--config cleanup.policy=compact --config min.compaction.lag.ms=60000)
dead_letter=(--config cleanup.policy=delete --config retention.ms="$dlq_retention_ms")

# create TOPIC PARTITIONS [--config KEY=VALUE ...]
create() {
  local topic="$1" count="$2"
  shift 2
  "$kafka_topics" --bootstrap-server "$bootstrap" "$@" --create --if-not-exists --topic "$topic" \
    --partitions "$count" --replication-factor "$replication_factor" --config min.insync.replicas="$min_isr"
}

# One line per topic (dev.ghactivity.schemas.Topics; CreateTopicsScriptTest keeps the two in step).
#      topic                        partitions      settings
create github.commits               "$partitions"   "${compacted[@]}"   "$@"
create github.issues                "$partitions"   "${compacted[@]}"   "$@"
create github.ingest-state          "$partitions"   "${compacted[@]}"   "$@"
create github.monthly-activity      "$partitions"   "${compacted[@]}"   "$@"
create github.repository-state      "$partitions"   "${compacted[@]}"   "$@"
create github.monthly-activity.dlq  1               "${dead_letter[@]}" "$@"
create github.streams.dlq           1               "${dead_letter[@]}" "$@"
