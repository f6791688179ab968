package dev.ghactivity.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Tells whether a consumer group (the streams-app, a sink connector) has processed every committed record
 * of some topics, and where it stands. Offsets alone cannot say so: transactional topics end with commit
 * markers that a consumer never "processes", so a sink's committed offset stops one short of the end
 * offset. So we look for a committed <em>data</em> record between the group's offset and the last stable offset.
 */
final class ConsumerGroupProgress implements AutoCloseable {
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<TransactionState> FINISHED = EnumSet.of(TransactionState.EMPTY,
            TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT);

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> reader;

    ConsumerGroupProgress(String bootstrapServers) {
        Map<String, Object> adminConfig = new HashMap<>();
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // Status lines come every 15 s: a broker that does not answer must not hold one up for a minute.
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) STATUS_TIMEOUT.toMillis());
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) STATUS_TIMEOUT.toMillis());
        this.admin = Admin.create(adminConfig);
        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        consumerConfig.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) STATUS_TIMEOUT.toMillis());
        this.reader = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Offsets {@code groupId} still has to go on {@code topics} before it has processed every committed record: 0
     * when it has. A partition counts only if a committed data record lies between the group's committed offset and
     * the last stable offset, so the commit markers a consumer never "processes" do not count. Errs on the side of
     * "not yet": a partition that cannot be read in time counts as behind.
     */
    long pendingRecords(String groupId, Collection<String> topics) {
        List<TopicPartition> partitions = partitionsOf(topics);
        Map<TopicPartition, Long> begin = reader.beginningOffsets(partitions, STATUS_TIMEOUT);
        Map<TopicPartition, Long> stable = reader.endOffsets(partitions, STATUS_TIMEOUT); // read_committed: the last stable offset
        Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(groupId);
        long pending = 0;
        for (TopicPartition tp : partitions) {
            long from = Math.max(begin.get(tp), committed.containsKey(tp) ? committed.get(tp).offset() : 0);
            long to = stable.get(tp);
            if (from < to && hasRecordBetween(tp, from, to)) {
                pending += to - from;
            }
        }
        return pending;
    }

    /**
     * The repartition topics of a Kafka Streams application ({@code <application.id>-...-repartition}): its group
     * reads them too, and records on them are not counted until the group has read them.
     */
    List<String> repartitionTopicsOf(String applicationId) {
        return internalTopicsOf(applicationId, "-repartition");
    }

    /**
     * The changelog topics of a Kafka Streams application ({@code <application.id>-...-changelog}): under exactly-once
     * its state restoration reads them read_committed up to their end, so an open transaction on one holds it.
     */
    List<String> changelogTopicsOf(String applicationId) {
        return internalTopicsOf(applicationId, "-changelog");
    }

    private List<String> internalTopicsOf(String applicationId, String suffix) {
        try {
            return admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(applicationId + "-") && t.endsWith(suffix))
                    .sorted()
                    .toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the topics: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing the topics", e);
        }
    }

    /**
     * Every partition of {@code topics} whose last stable offset is below its end, as {@code topic-p last stable S,
     * end E} followed by the transactions open on it ({@code producer P "transactional.id" since offset O}): empty when
     * none is held.
     */
    List<String> heldPartitions(Collection<String> topics) {
        try {
            List<TopicPartition> partitions = partitionsOf(topics);
            partitions.sort(Comparator.comparing(TopicPartition::toString));
            Map<TopicPartition, Long> stable = reader.endOffsets(partitions, STATUS_TIMEOUT); // read_committed
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = endOffsets(partitions);
            List<TopicPartition> held = partitions.stream().filter(tp -> stable.get(tp) < end.get(tp).offset()).toList();
            if (held.isEmpty()) {
                return List.of();
            }
            List<HangingTransactions.OpenTransaction> open = openTransactions(held.stream().map(TopicPartition::topic).distinct().toList());
            List<String> lines = new ArrayList<>();
            for (TopicPartition tp : held) {
                StringBuilder line = new StringBuilder(tp.toString()).append(" last stable ").append(stable.get(tp))
                        .append(", end ").append(end.get(tp).offset());
                open.stream().filter(t -> t.partition().equals(tp)).forEach(t -> line.append(", open transaction of producer ")
                        .append(t.producerId()).append(" \"").append(t.transactionalId()).append("\" since offset ").append(t.startOffset()));
                lines.add(line.toString());
            }
            return lines;
        } catch (ExecutionException e) {
            return List.of("unknown (" + e.getCause() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** The end offsets, committed or not ({@code read_uncommitted}: the high watermark). */
    private Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> endOffsets(List<TopicPartition> partitions)
            throws ExecutionException, InterruptedException {
        return admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
    }

    private boolean hasRecordBetween(TopicPartition tp, long from, long to) {
        reader.assign(List.of(tp));
        reader.seek(tp, from);
        long deadline = System.nanoTime() + STATUS_TIMEOUT.toNanos();
        try {
            while (reader.position(tp, STATUS_TIMEOUT) < to) {
                if (System.nanoTime() > deadline) {
                    return true; // unknown: not caught up
                }
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(100))) {
                    if (record.offset() < to) {
                        return true;
                    }
                }
            }
            return false; // only markers and aborted records before the last stable offset
        } finally {
            reader.assign(List.of());
        }
    }

    private List<TopicPartition> partitionsOf(Collection<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo info : reader.partitionsFor(topic, STATUS_TIMEOUT)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        return partitions;
    }

    /** The sum of the end offsets (committed or not) of every partition of {@code topics}: grows while a producer writes. */
    long endOffsetSum(Collection<String> topics) {
        List<TopicPartition> partitions = partitionsOf(topics);
        try {
            return admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                            new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get()
                    .values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the end offsets of " + topics + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committedOffsets(String groupId) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(Map.of(groupId, new ListConsumerGroupOffsetsSpec()))
                    .partitionsToOffsetAndMetadata(groupId).get();
            return offsets.entrySet().stream()
                    .filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        } catch (ExecutionException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /**
     * One line on where {@code groupId} stands on {@code topics}: the group's state and members, then every partition
     * that is not caught up as {@code topic-p committed C, last stable S, end E} (a last stable offset below the end
     * is an open transaction), e.g. {@code group ghactivity-streams STABLE, 1 member(s); github.commits-0 committed
     * 120, last stable 340, end 341}.
     */
    String status(String groupId, Collection<String> topics) {
        StringBuilder line = new StringBuilder("group ").append(groupId).append(' ').append(groupState(groupId));
        try {
            List<TopicPartition> partitions = partitionsOf(topics);
            partitions.sort(Comparator.comparing(TopicPartition::toString));
            Map<TopicPartition, Long> stable = reader.endOffsets(partitions, STATUS_TIMEOUT); // read_committed
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = endOffsets(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(groupId);
            long lag = 0;
            List<String> behind = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                long c = committed.containsKey(tp) ? committed.get(tp).offset() : 0;
                long lso = stable.get(tp);
                long e = end.get(tp).offset();
                if (c < lso || lso < e) {
                    behind.add(tp + " committed " + (committed.containsKey(tp) ? c : "none") + ", last stable " + lso + ", end " + e);
                }
                lag += Math.max(0, lso - c);
            }
            line.append("; lag at most ").append(lag).append(" offsets");
            if (!behind.isEmpty()) {
                line.append(": ").append(String.join("; ", behind));
            }
        } catch (ExecutionException | RuntimeException e) {
            line.append("; offsets unknown (").append(e instanceof ExecutionException ? e.getCause() : e).append(')');
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return line.toString();
    }

    private String groupState(String groupId) {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
            return d.groupState() + ", " + d.members().size() + " member(s)";
        } catch (ExecutionException e) {
            return "unknown (" + e.getCause().getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /**
     * The transactions open on {@code topics}' partitions now (Admin {@code describeProducers}, KIP-664), each with its
     * first offset and, from {@code listTransactions}, its transactional.id (null when the coordinator no longer lists it).
     *
     * @throws IllegalStateException when the broker does not answer within the status timeout
     */
    List<HangingTransactions.OpenTransaction> openTransactions(Collection<String> topics) {
        try {
            Map<TopicPartition, PartitionProducerState> states = admin.describeProducers(partitionsOf(topics)).all().get();
            List<HangingTransactions.OpenTransaction> open = new ArrayList<>();
            Map<Long, String> ids = new HashMap<>();
            for (Map.Entry<TopicPartition, PartitionProducerState> e : states.entrySet()) {
                for (ProducerState p : e.getValue().activeProducers()) {
                    if (p.currentTransactionStartOffset().isPresent()) {
                        open.add(new HangingTransactions.OpenTransaction(e.getKey(), p.producerId(),
                                p.currentTransactionStartOffset().getAsLong(), null));
                        ids.put(p.producerId(), null);
                    }
                }
            }
            if (open.isEmpty()) {
                return open;
            }
            for (TransactionListing t : admin.listTransactions(new ListTransactionsOptions().filterProducerIds(ids.keySet())).all().get()) {
                ids.put(t.producerId(), t.transactionalId());
            }
            return open.stream().map(t -> new HangingTransactions.OpenTransaction(t.partition(), t.producerId(), t.startOffset(),
                    ids.get(t.producerId()))).toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe the producers of " + topics + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing the producers of " + topics, e);
        }
    }

    /**
     * Transactions that are not finished, as {@code id (state)}: ongoing ones are normal while a part writes; one
     * that stays in PrepareCommit or PrepareAbort holds every read_committed reader of its partitions.
     */
    List<String> unfinishedTransactions() {
        try {
            return admin.listTransactions().all().get().stream()
                    .filter(t -> !FINISHED.contains(t.state()))
                    .map(t -> t.transactionalId() + " (" + t.state() + ")")
                    .sorted()
                    .toList();
        } catch (ExecutionException e) {
            return List.of("unknown (" + e.getCause().getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    @Override
    public void close() {
        reader.close();
        admin.close();
    }
}
