package dev.ghactivity.bench;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.MonthlyActivityTopology;
import dev.ghactivity.streams.StreamsAppConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Figure 2: commit events through {@code MonthlyActivityTopology} (the real app, exactly_once_v2, its
 * defaults) against a pass-through Streams app (consume, produce) with the same guarantee and commit
 * interval, over the same input. Two more lines: the same app with a commit interval and cache sized for
 * a backfill rather than for latency, and the simplest exact KTable aggregation there is (table, re-key
 * by month, count), to show what any exact aggregation costs here.
 */
final class TopologyBenchmark {
    private static final String PASS_THROUGH_INPUT = "bench.passthrough.in";
    private static final String PASS_THROUGH_OUTPUT = "bench.passthrough.out";
    private static final String COUNT_OUTPUT = "bench.count.out";
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /** One run of figure 2: its records per second. */
    @FunctionalInterface
    private interface Run {
        double perSecond() throws Exception;
    }

    /** Records per CPU second of this process (broker included) of each run of figure 2: what a loaded machine cannot blur. */
    private final List<Double> topologyCpu = new ArrayList<>();
    private final List<Double> passThroughCpu = new ArrayList<>();
    private final int records;
    private final int warmups;
    private final int trials;
    private final Path work;

    TopologyBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.records = sizes.topologyRecords();
        this.warmups = 0; // runs are long (seconds): a cold first run is one of three, and the median drops it
        this.trials = sizes.trials();
        this.work = work;
    }

    void run(Results results) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka-topology"));
             KafkaProgress progress = new KafkaProgress(broker.bootstrapServers())) {
            broker.createTopics(Topics.definitions(3, (short) 1));
            broker.createTopics(List.of(new NewTopic(PASS_THROUGH_INPUT, 3, (short) 1), new NewTopic(PASS_THROUGH_OUTPUT, 3, (short) 1),
                    new NewTopic(COUNT_OUTPUT, 3, (short) 1)));
            writeInput(broker);
            Trials.Outcome o = Trials.alternate(warmups, trials,
                    trial -> perCpuSecond(topologyCpu, () -> topology(broker, progress, trial)),
                    trial -> perCpuSecond(passThroughCpu, () -> passThrough(broker, progress, trial)));
            results.add("2 topology: monthly counts, EOS v2", Results.perSecond(o.measuredMedian(), "rec"),
                    "pass-through Streams, EOS v2: " + Results.perSecond(o.baselineMedian(), "rec"), o.ratio(), 0.6);
            double cpu = Trials.median(topologyCpu);
            double passCpu = Trials.median(passThroughCpu);
            results.info("2d topology per CPU second (broker included)", Results.perSecond(cpu, "rec"),
                    "pass-through: " + Results.perSecond(passCpu, "rec"), Results.ratio(cpu / passCpu));
            List<Double> tuned = new ArrayList<>();
            for (int i = 0; i < trials; i++) {
                tuned.add(topology(broker, progress, "bench-topology-tuned-" + i, b -> b.commitIntervalMs(1000).cacheMaxBytes(50L << 20)));
            }
            double t = Trials.median(tuned);
            results.info("2b topology, commit 1 s, cache 50 MB", Results.perSecond(t, "rec"),
                    "topology / pass-through", Results.ratio(t / o.baselineMedian()));
            double count = groupByCount(broker, progress);
            results.info("2c one KTable groupBy().count(), EOS v2", Results.perSecond(count, "rec"),
                    "topology / this", Results.ratio(o.measuredMedian() / count));
            results.note(String.format(Locale.ROOT, "2 topology: %,d commit events of 20 repositories over %d months, each run a new application.id "
                    + "reading the same input from the start, timed from start until the input is committed, every repartition topic drained and no month is pending emission; "
                    + "%d runs, medians; topology runs %s rec/s, pass-through runs %s rec/s; commit interval 100 ms, 1 stream thread, 10 MB cache "
                    + "(the app's defaults); 2b the same app tuned for a backfill, runs %s rec/s; 2c a reference, one run; 2d the runs of 2 "
                    + "counted in CPU time of this JVM (broker, clients, Streams) instead of wall-clock time, topology %s, pass-through %s "
                    + "rec per CPU second: the ratio a machine of its own would show, which other processes on the cores cannot shift.",
                    records, months(), trials, Results.runs(o.measured()), Results.runs(o.baseline()), Results.runs(tuned),
                    Results.runs(topologyCpu), Results.runs(passThroughCpu)));
        }
    }

    /** Runs {@code run} and adds to {@code cpu} its records per CPU second of this JVM; returns its records per second. */
    private double perCpuSecond(List<Double> cpu, Run run) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        long before = os.getProcessCpuTime();
        double perSecond = run.perSecond();
        cpu.add(records / ((os.getProcessCpuTime() - before) / 1e9));
        return perSecond;
    }

    private int months() {
        return (int) Math.min(records, 12L * 25);
    }

    void writeInput(EmbeddedKafkaBroker broker) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("linger.ms", 20);
        props.put("batch.size", 256 * 1024);
        props.put("compression.type", "lz4");
        YearMonth first = YearMonth.of(2000, 1);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                Instant at = first.plusMonths(i % months()).atDay(1 + i % 28).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(i % 86_400);
                String repo = "bench/r" + (i % 20);
                CommitEvent c = CommitEvent.newBuilder().setRepo(repo).setSha(String.format(Locale.ROOT, "%040x", i))
                        .setAuthorName("Developer " + i % 50).setAuthorEmail("dev" + (i % 50) + "@example.org")
                        .setAuthorLogin(i % 5 == 4 ? null : "dev" + (i % 50)).setAuthorDate(at).setCommitterDate(at)
                        .setMessageHeadline("Change number " + i + " of the synthetic history").setParentsCount(1)
                        .setHtmlUrl("https://github.com/" + repo + "/commit/" + String.format(Locale.ROOT, "%040x", i))
                        .setIngestedAt(Instant.now()).build();
                byte[] v = AvroSerdes.commitEvent().encode(c);
                String key = RecordKeys.commit(c.getRepo(), c.getSha());
                p.send(new ProducerRecord<>(Topics.COMMITS, key, v));
                p.send(new ProducerRecord<>(PASS_THROUGH_INPUT, key, v));
            }
        }
    }

    private double topology(EmbeddedKafkaBroker broker, KafkaProgress progress, int trial) throws Exception {
        return topology(broker, progress, "bench-topology-" + trial, b -> b);
    }

    double topology(EmbeddedKafkaBroker broker, KafkaProgress progress, String appId,
                    java.util.function.UnaryOperator<StreamsAppConfig.Builder> tune) throws Exception {
        long t0 = System.nanoTime();
        try (MonthlyActivityApp app = new MonthlyActivityApp(tune.apply(StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                .applicationId(appId).stateDir(work.resolve("state-" + appId))).build())) {
            app.start();
            progress.awaitProcessed(appId, Topics.COMMITS, records, TIMEOUT);
            // The output is complete once the months the last input changed are emitted too (topology version 3 emits
            // them at its next punctuation, after the input was committed).
            while (MonthlyActivityTopology.pendingMonths(app.streams()).orElse(1) > 0) {
                if (Trials.seconds(t0) > TIMEOUT.toSeconds()) {
                    throw new java.util.concurrent.TimeoutException(appId + " still has months pending emission");
                }
                Thread.sleep(5);
            }
            return records / Trials.seconds(t0);
        }
    }

    private double passThrough(EmbeddedKafkaBroker broker, KafkaProgress progress, int trial) throws Exception {
        String appId = "bench-passthrough-" + trial;
        Serde<String> strings = Serdes.String();
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder b = new StreamsBuilder();
        b.stream(PASS_THROUGH_INPUT, Consumed.with(strings, bytes)).to(PASS_THROUGH_OUTPUT, Produced.with(strings, bytes));
        return runStreams(b, appId, progress, broker, PASS_THROUGH_INPUT);
    }

    /** The simplest exact aggregation: a table of the commits, re-keyed by (repo, month), counted. */
    private double groupByCount(EmbeddedKafkaBroker broker, KafkaProgress progress) throws Exception {
        Serde<String> strings = Serdes.String();
        StreamsBuilder b = new StreamsBuilder();
        b.table(Topics.COMMITS, Consumed.with(strings, AvroSerdes.commitEvent()),
                        Materialized.<String, CommitEvent, KeyValueStore<Bytes, byte[]>>as("bench-commits").withKeySerde(strings)
                                .withValueSerde(AvroSerdes.commitEvent()))
                .groupBy((k, c) -> KeyValue.pair(c.getRepo() + "|" + c.getAuthorDate().toString().substring(0, 7), c),
                        Grouped.with("bench-by-month", strings, AvroSerdes.commitEvent()))
                .count(Materialized.as("bench-count"))
                .toStream().to(COUNT_OUTPUT, Produced.with(strings, Serdes.Long()));
        return runStreams(b, "bench-count", progress, broker, Topics.COMMITS);
    }

    private double runStreams(StreamsBuilder b, String appId, KafkaProgress progress, EmbeddedKafkaBroker broker, String input) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("state-" + appId).toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
        long t0 = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(b.build(p), p)) {
            streams.start();
            progress.awaitProcessed(appId, input, records, TIMEOUT);
            return records / Trials.seconds(t0);
        }
    }
}
