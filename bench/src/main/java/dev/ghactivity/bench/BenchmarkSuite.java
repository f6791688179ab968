package dev.ghactivity.bench;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.local.LocalStack;
import dev.ghactivity.local.LocalStackConfig;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.ProducerConfig;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Serdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.s3.S3SinkTask;
import dev.ghactivity.sink.sqlite.SqliteSinkTask;
import dev.ghactivity.streams.MonthlyActivityApp;
import dev.ghactivity.streams.StreamsAppConfig;
import dev.ghactivity.testkit.FakeGitHub;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every stage against a baseline measured in the same JVM, on the same broker, in the same run: machines
 * here are shared and noisy, so the ratios are what compare across runs. Prints one line per figure and
 * writes {@code bench/results/<date>.md}.
 */
public final class BenchmarkSuite {
    private final boolean quick;
    private final Path work;
    private final List<String[]> rows = new ArrayList<>();

    private BenchmarkSuite(boolean quick, Path work) {
        this.quick = quick;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int only = List.of(args).indexOf("--only");
        String figure = only >= 0 && only + 1 < args.length ? args[only + 1] : "all";
        Path work = Files.createTempDirectory("ghactivity-bench");
        BenchmarkSuite suite = new BenchmarkSuite(quick, work);
        System.out.println("ghactivity benchmarks (" + (quick ? "quick" : "full") + "), work dir " + work);
        if (figure.equals("all") || figure.equals("producer")) {
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka-producer"))) {
                suite.producer(broker);
            }
        }
        if (figure.equals("all") || figure.equals("topology")) {
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka-topology"))) {
                suite.topology(broker);
            }
        }
        if (figure.equals("all") || figure.equals("sqlite")) {
            suite.sqliteSink();
        }
        if (figure.equals("all") || figure.equals("s3")) {
            suite.s3Sink();
        }
        if (figure.equals("all") || figure.equals("latency")) {
            suite.endToEndLatency();
        }
        if (figure.equals("all") || figure.equals("backfill")) {
            suite.backfill();
        }
        suite.report(figure);
    }

    private void row(String figure, String measured, String baseline, String ratio, String target, String verdict) {
        String[] r = {figure, measured, baseline, ratio, target, verdict};
        rows.add(r);
        System.out.printf(Locale.ROOT, "%-34s %-26s %-26s %-8s %-10s %s%n", (Object[]) r);
    }

    private static String perSecond(double v, String unit) {
        return String.format(Locale.ROOT, "%,.0f %s/s", v, unit);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    // ---------------------------------------------------------------- 1. producer

    private void producer(EmbeddedKafkaBroker broker) throws Exception {
        int commits = quick ? 30_000 : 200_000;
        broker.createTopics(Topics.definitions(3, (short) 1));
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("bench/producer", commits, 0, 1);
            ProducerConfig config = ProducerConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .githubApiUrl(github.apiUrl()).token(GitHubToken.none())
                    .repositories(List.of(RepositoryName.parse("bench/producer"))).transactionalId("bench-producer").build();
            long t0 = System.nanoTime();
            long events;
            try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
                events = producer.pollOnce().of("bench/producer").commits();
            }
            double measured = events / seconds(t0);

            // Baseline: pre-built records of the same size, raw producer, same broker, same settings.
            CommitEvent sample = CommitEvent.newBuilder().setRepo("bench/producer").setSha("0123456789abcdef0123456789abcdef01234567")
                    .setAuthorName("Developer 1").setAuthorEmail("dev1@example.org").setAuthorLogin("dev1")
                    .setAuthorDate(Instant.now()).setCommitterDate(Instant.now()).setMessageHeadline("Change number 1 of the synthetic history")
                    .setParentsCount(1).setHtmlUrl("https://github.com/bench/producer/commit/0123456789abcdef0123456789abcdef01234567")
                    .setIngestedAt(Instant.now()).build();
            byte[] value = Serdes.commitEvent().encode(sample);
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>(commits);
            for (int i = 0; i < commits; i++) {
                records.add(new ProducerRecord<>("bench.raw", "bench/producer@" + i, value));
            }
            broker.createTopics(List.of(new NewTopic("bench.raw", 3, (short) 1)));
            Map<String, Object> props = new HashMap<>();
            props.put("bootstrap.servers", broker.bootstrapServers());
            props.put("acks", "all");
            props.put("compression.type", "lz4");
            props.put("linger.ms", 20);
            props.put("batch.size", 256 * 1024);
            long t1 = System.nanoTime();
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
                records.forEach(raw::send);
                raw.flush();
            }
            double baseline = commits / seconds(t1);
            double r = measured / baseline;
            row("1 producer (JSON->Avro->tx)", perSecond(measured, "events"), perSecond(baseline, "rec") + " raw", ratio(r), ">= 0.5",
                    r >= 0.5 ? "pass" : "MISS");
        }
    }

    // ---------------------------------------------------------------- 2. topology

    private void topology(EmbeddedKafkaBroker broker) throws Exception {
        int n = quick ? 50_000 : 300_000;
        String input = "bench.topology.commits";
        broker.createTopics(Topics.definitions(3, (short) 1));
        broker.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic("bench.passthrough.out", 3, (short) 1)));
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("linger.ms", 20);
        props.put("batch.size", 256 * 1024);
        props.put("compression.type", "lz4");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                Instant at = Instant.parse("2014-01-01T00:00:00Z").plusSeconds(i * 900L);
                CommitEvent c = CommitEvent.newBuilder().setRepo("bench/r" + (i % 20)).setSha(String.format("%040x", i))
                        .setAuthorName("a").setAuthorEmail("a" + (i % 50) + "@x").setAuthorLogin(i % 3 == 0 ? null : "dev" + (i % 50))
                        .setAuthorDate(at).setCommitterDate(at).setMessageHeadline("m").setParentsCount(1).setHtmlUrl(null)
                        .setIngestedAt(Instant.now()).build();
                byte[] v = Serdes.commitEvent().encode(c);
                p.send(new ProducerRecord<>(input, RecordKeys.commit(c.getRepo(), c.getSha()), v));
                p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(c.getRepo(), c.getSha()), v));
            }
        }
        // Baseline: pass-through with the same guarantee.
        StreamsBuilder b = new StreamsBuilder();
        b.stream(input, Consumed.with(org.apache.kafka.common.serialization.Serdes.String(), org.apache.kafka.common.serialization.Serdes.ByteArray()))
                .to("bench.passthrough.out", Produced.with(org.apache.kafka.common.serialization.Serdes.String(),
                        org.apache.kafka.common.serialization.Serdes.ByteArray()));
        Properties pt = new Properties();
        pt.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        pt.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-passthrough");
        pt.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("pt-state").toString());
        pt.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        pt.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        long t0 = System.nanoTime();
        try (KafkaStreams passthrough = new KafkaStreams(b.build(), pt)) {
            passthrough.start();
            awaitCommitted(broker, "bench-passthrough", input, n);
        }
        double baseline = n / seconds(t0);

        long t1 = System.nanoTime();
        try (MonthlyActivityApp app = new MonthlyActivityApp(StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                .applicationId("bench-topology").stateDir(work.resolve("topology-state")).build())) {
            app.start();
            awaitCommitted(broker, "bench-topology", Topics.COMMITS, n);
        }
        double measured = n / seconds(t1);
        double r = measured / baseline;
        row("2 topology (EOS, monthly)", perSecond(measured, "rec"), perSecond(baseline, "rec") + " pass-through", ratio(r), ">= 0.6",
                r >= 0.6 ? "pass" : "MISS");
    }

    private static void awaitCommitted(EmbeddedKafkaBroker broker, String group, String topic, long records) throws Exception {
        try (Admin admin = broker.admin()) {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()))
                        .partitionsToOffsetAndMetadata(group).get();
                long committed = offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum();
                if (committed >= records) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException(group + " did not catch up on " + topic);
        }
    }

    // ---------------------------------------------------------------- 3. SQLite sink

    private void sqliteSink() throws Exception {
        int n = quick ? 50_000 : 300_000;
        int batch = 1000;
        List<SinkRecord> records = new ArrayList<>(n);
        List<MonthlyActivity> rowsData = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String repo = "bench/r" + (i % 500);
            String month = LocalDate.of(2000 + (i / 500) % 25, 1 + (i / 12500) % 12, 1).toString().substring(0, 7);
            MonthlyActivity a = MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(i).setCommitAuthors(i % 7)
                    .setIssuesOpened(i % 5).setIssuesClosed(i % 3).setPrsOpened(i % 11).setPrsMerged(i % 2).setUpdatedAt(Instant.now()).build();
            rowsData.add(a);
            records.add(new SinkRecord(Topics.MONTHLY_ACTIVITY, 0, Schema.STRING_SCHEMA, RecordKeys.monthly(repo, month),
                    Schema.OPTIONAL_BYTES_SCHEMA, Serdes.monthlyActivity().encode(a), i));
        }
        SqliteSinkTask task = new SqliteSinkTask();
        task.start(Map.of("sqlite.path", work.resolve("sink.db").toString()));
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
            task.put(records.subList(i, Math.min(n, i + batch)));
        }
        double measured = n / seconds(t0);
        task.stop();

        Path raw = work.resolve("raw.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + raw)) {
            try (var s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
            }
            try (var s = c.createStatement()) {
                s.execute("PRAGMA synchronous=NORMAL");
            }
            try (var s = c.createStatement()) {
                s.execute("CREATE TABLE t (repo TEXT NOT NULL, month TEXT NOT NULL, commits INTEGER, commit_authors INTEGER,"
                    + " issues_opened INTEGER, issues_closed INTEGER, prs_opened INTEGER, prs_merged INTEGER, updated_at TEXT, PRIMARY KEY (repo, month))");
            }
            c.setAutoCommit(false);
            long t1 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(repo, month) DO UPDATE SET "
                    + "commits=excluded.commits, commit_authors=excluded.commit_authors, issues_opened=excluded.issues_opened, "
                    + "issues_closed=excluded.issues_closed, prs_opened=excluded.prs_opened, prs_merged=excluded.prs_merged, updated_at=excluded.updated_at")) {
                for (MonthlyActivity a : rowsData) {
                    ps.setString(1, a.getRepo());
                    ps.setString(2, a.getMonth());
                    ps.setLong(3, a.getCommits());
                    ps.setLong(4, a.getCommitAuthors());
                    ps.setLong(5, a.getIssuesOpened());
                    ps.setLong(6, a.getIssuesClosed());
                    ps.setLong(7, a.getPrsOpened());
                    ps.setLong(8, a.getPrsMerged());
                    ps.setString(9, a.getUpdatedAt().toString());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            double baseline = n / seconds(t1);
            double r = measured / baseline;
            row("3 SQLite sink (put, 1k/batch)", perSecond(measured, "rows"), perSecond(baseline, "rows") + " raw JDBC", ratio(r), ">= 0.8",
                    r >= 0.8 ? "pass" : "MISS");
        }
    }

    // ---------------------------------------------------------------- 4. S3 sink

    private void s3Sink() throws Exception {
        int n = quick ? 20_000 : 100_000;
        try (EmbeddedS3Server s3 = EmbeddedS3Server.start(work.resolve("s3"), 0)) {
            s3.createBucket("bench");
            List<SinkRecord> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String repo = "bench/r" + (i % 200);
                String month = LocalDate.of(2010 + (i / 200) % 12, 1 + (i / 2400) % 12, 1).toString().substring(0, 7);
                MonthlyActivity a = MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(i).setCommitAuthors(1)
                        .setIssuesOpened(1).setIssuesClosed(0).setPrsOpened(0).setPrsMerged(0).setUpdatedAt(Instant.now()).build();
                records.add(new SinkRecord(Topics.MONTHLY_ACTIVITY, 0, Schema.STRING_SCHEMA, RecordKeys.monthly(repo, month),
                        Schema.OPTIONAL_BYTES_SCHEMA, Serdes.monthlyActivity().encode(a), i));
            }
            S3SinkTask task = new S3SinkTask();
            Map<String, String> config = Map.of("s3.bucket", "bench", "s3.endpoint", s3.endpoint().toString(), "s3.path.style", "true",
                    "s3.access.key.id", s3.accessKey(), "s3.secret.access.key", s3.secretKey(), "flush.max.records", "10000",
                    "flush.interval.ms", "3600000");
            task.start(config);
            task.open(List.of(new TopicPartition(Topics.MONTHLY_ACTIVITY, 0)));
            long t0 = System.nanoTime();
            int retries = 0;
            for (int i = 0; i < n; i += 1000) {
                List<SinkRecord> batch = records.subList(i, Math.min(n, i + 1000));
                while (true) {
                    try {
                        task.put(batch);
                        break;
                    } catch (org.apache.kafka.connect.errors.RetriableException e) {
                        retries++; // what Connect does: deliver the same batch again
                        Thread.sleep(100);
                    }
                }
            }
            task.close(List.of(new TopicPartition(Topics.MONTHLY_ACTIVITY, 0)));
            if (retries > 0) {
                System.out.println("  (S3 sink: " + retries + " retried put() calls)");
            }
            double measured = n / seconds(t0);
            long puts = task.putRequests();
            task.stop();

            // Baseline: the same number of PUTs of gzip JSON objects of the same total size, raw SDK.
            long bytes;
            try (var files = Files.walk(work.resolve("s3/bench"))) {
                bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            byte[] body = gzip(new byte[(int) Math.max(1, bytes * 4 / Math.max(1, puts))]);
            try (S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                    .httpClient(UrlConnectionHttpClient.create())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()))).build()) {
                long t1 = System.nanoTime();
                for (long i = 0; i < puts; i++) {
                    long k = i;
                    client.putObject(r -> r.bucket("bench").key("raw/object-" + k + ".jsonl.gz"), RequestBody.fromBytes(body));
                }
                double baselineSeconds = seconds(t1);
                double measuredSeconds = n / measured;
                double r = baselineSeconds / measuredSeconds;
                row("4 S3 sink (snapshot)", perSecond(measured, "rows") + String.format(Locale.ROOT, ", %.0f rows/PUT", (double) n / puts),
                        String.format(Locale.ROOT, "%d raw PUTs in %.2f s", puts, baselineSeconds), ratio(r), "report", "-");
            }
        }
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- 5. end-to-end latency

    private void endToEndLatency() throws Exception {
        int samples = quick ? 15 : 40;
        Path data = work.resolve("latency");
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("bench/latency", 10, 0, 3);
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse("bench/latency")))
                    .githubApiUrl(github.apiUrl()).dataDir(data).httpPort(0).s3FlushInterval(Duration.ofSeconds(1)).build();
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                stack.ingestOnce();
                stack.awaitSinksCaughtUp(Duration.ofMinutes(2));
                List<Long> latencies = new ArrayList<>();
                Map<String, Object> props = new HashMap<>();
                props.put("bootstrap.servers", stack.bootstrapServers());
                props.put("linger.ms", 0);
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
                     Connection db = DriverManager.getConnection("jdbc:sqlite:" + stack.sqlitePath())) {
                    for (int i = 0; i < samples; i++) {
                        String month = String.format("%04d-%02d", 1990 + i / 12, 1 + i % 12);
                        Instant at = Instant.parse(month + "-15T12:00:00Z");
                        CommitEvent c = CommitEvent.newBuilder().setRepo("bench/latency").setSha(String.format("%040x", 1_000_000 + i))
                                .setAuthorName("a").setAuthorEmail("a@x").setAuthorLogin("a").setAuthorDate(at).setCommitterDate(at)
                                .setMessageHeadline("m").setParentsCount(1).setHtmlUrl(null).setIngestedAt(Instant.now()).build();
                        long t0 = System.nanoTime();
                        p.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(c.getRepo(), c.getSha()), Serdes.commitEvent().encode(c))).get();
                        while (!rowExists(db, "bench/latency", month)) {
                            Thread.sleep(2);
                            if (System.nanoTime() - t0 > Duration.ofSeconds(30).toNanos()) {
                                throw new IllegalStateException("row " + month + " never appeared");
                            }
                        }
                        latencies.add((System.nanoTime() - t0) / 1_000_000);
                    }
                }
                Collections.sort(latencies);
                long p50 = latencies.get(latencies.size() / 2);
                long p99 = latencies.get(Math.min(latencies.size() - 1, (int) Math.ceil(latencies.size() * 0.99) - 1));
                row("5 end-to-end latency to SQLite", "p50 " + p50 + " ms, p99 " + p99 + " ms", samples + " events, commit 100 ms", "-",
                        "p99 < 1 s", p99 < 1000 ? "pass" : "MISS");
            }
        }
    }

    private static boolean rowExists(Connection db, String repo, String month) throws Exception {
        try (PreparedStatement ps = db.prepareStatement("SELECT 1 FROM monthly_activity WHERE repo = ? AND month = ?")) {
            ps.setString(1, repo);
            ps.setString(2, month);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (java.sql.SQLException e) {
            return false; // table not created yet
        }
    }

    // ---------------------------------------------------------------- 6. backfill

    private void backfill() throws Exception {
        int commits = quick ? 100_000 : 1_000_000;
        int issues = quick ? 10_000 : 100_000;
        Path data = work.resolve("backfill");
        PeakHeap peak = new PeakHeap();
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity("bench/backfill", commits, issues, 11);
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse("bench/backfill")))
                    .githubApiUrl(github.apiUrl()).dataDir(data).httpPort(0).s3FlushInterval(Duration.ofSeconds(1)).build();
            long t0 = System.nanoTime();
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                long tIngest = System.nanoTime();
                stack.ingestOnce();
                double ingestSeconds = seconds(tIngest);
                stack.awaitSinksCaughtUp(Duration.ofMinutes(10));
                double wall = seconds(t0);
                double eps = (commits + issues) / wall;
                row("6 backfill " + (commits / 1000) + "k commits + " + (issues / 1000) + "k issues",
                        String.format(Locale.ROOT, "%.1f s wall, %,.0f events/s", wall, eps),
                        String.format(Locale.ROOT, "fetch+publish %.1f s", ingestSeconds),
                        "-", "<= 60 s", wall <= 60 ? "pass" : "MISS");
                row("6 backfill peak heap (-Xmx1g)", String.format(Locale.ROOT, "%d MB", peak.peakMb()), "max " + Runtime.getRuntime().maxMemory() / 1_048_576 + " MB",
                        "-", "no OOM", "pass");
            }
        }
    }

    /** Peak of the used heap, sampled every 50 ms (the pools' own peaks happen at different times and do not add up). */
    private static final class PeakHeap {
        private volatile long peak;

        PeakHeap() {
            Thread sampler = new Thread(() -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (true) {
                    peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "peak-heap");
            sampler.setDaemon(true);
            sampler.start();
        }

        long peakMb() {
            return peak / 1_048_576;
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    // ---------------------------------------------------------------- report

    private void report(String figure) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks ").append(LocalDate.now()).append(quick ? " (quick)" : " (full)").append("\n\n");
        md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(ManagementFactory.getOperatingSystemMXBean().getName()).append(", Java ").append(System.getProperty("java.version"))
                .append(", heap max ").append(Runtime.getRuntime().maxMemory() / 1_048_576).append(" MB, host ")
                .append(InetAddress.getLocalHost().getHostName()).append(".\n");
        md.append("Every baseline ran in the same JVM against the same embedded broker / S3 server in the same run.\n\n");
        md.append("| figure | measured | baseline | ratio | target | verdict |\n|---|---|---|---|---|---|\n");
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        Path dir = Path.of("bench", "results");
        Files.createDirectories(dir);
        // A partial run (--only) never overwrites the full results of the day.
        Path file = dir.resolve(LocalDate.now() + (quick ? "-quick" : "") + (figure.equals("all") ? "" : "-" + figure) + ".md");
        Files.writeString(file, md.toString());
        System.out.println("\nwritten " + file.toAbsolutePath());
    }
}
