package dev.ghactivity.bench;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.producer.GitHubActivityProducer;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Figure 1: commits fetched from the fake GitHub (100-item JSON pages), parsed, encoded as Avro and
 * published in transactions by {@link GitHubActivityProducer}, against a raw {@link KafkaProducer} sending
 * pre-built records of the same size with the same settings to the same broker. A third line measures the
 * fake GitHub alone (fetching the same pages without parsing): the ceiling any producer has here. The fake
 * GitHub runs in a JVM of its own, as GitHub is a server elsewhere.
 */
final class ProducerBenchmark {
    private static final String RAW_TOPIC = "bench.raw";
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

    private final int commits;
    private final int warmups;
    private final int trials;
    private final Path work;

    ProducerBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.commits = sizes.producerCommits();
        this.warmups = sizes.warmups();
        this.trials = sizes.trials();
        this.work = work;
    }

    void run(Results results) throws Exception {
        List<String> repositories = new ArrayList<>();
        for (int i = 0; i < warmups + trials; i++) {
            repositories.add("bench/producer-" + i);
        }
        for (int i = 0; i < trials; i++) {
            repositories.add("bench/ceiling-" + i);
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka-producer"));
             FakeGitHubProcess github = FakeGitHubProcess.start(commits, 0, repositories)) {
            broker.createTopics(Topics.definitions(3, (short) 1));
            broker.createTopics(List.of(new NewTopic(RAW_TOPIC, 3, (short) 1)));
            byte[] value = AvroSerdes.commitEvent().encode(sampleCommit());
            List<ProducerRecord<String, byte[]>> prebuilt = new ArrayList<>(commits);
            for (int i = 0; i < commits; i++) {
                prebuilt.add(new ProducerRecord<>(RAW_TOPIC, "bench/producer@" + String.format(Locale.ROOT, "%040x", i), value));
            }
            Trials.Outcome o = Trials.alternate(warmups, trials,
                    trial -> producer(broker, github, "bench/producer-" + trial, trial),
                    trial -> raw(broker, prebuilt));
            results.add("1 producer: JSON -> Avro -> tx producer", Results.perSecond(o.measuredMedian(), "events"),
                    "raw KafkaProducer, pre-built: " + Results.perSecond(o.baselineMedian(), "rec"), o.ratio(), 0.5);
            results.note(String.format(Locale.ROOT, "1 producer: %,d commits per run (%d B Avro values), %d warm-up + %d runs, medians; "
                    + "producer runs %s events/s, raw runs %s rec/s; both with acks=all, lz4, linger 20 ms, 256 KiB batches, 3 partitions.",
                    commits, value.length, warmups, trials, Results.runs(o.measured()), Results.runs(o.baseline())));

            List<Double> ceiling = new ArrayList<>();
            OkHttpClient http = new OkHttpClient();
            for (int i = 0; i < trials; i++) {
                String repo = "bench/ceiling-" + i;
                ceiling.add(fetchOnly(http, github.apiUrl() + "/repos/" + repo + "/commits?per_page=100"));
            }
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
            double c = Trials.median(ceiling);
            results.info("1b fake GitHub alone (fetch, no parse)", Results.perSecond(c, "items"),
                    "producer / this ceiling", Results.ratio(o.measuredMedian() / c));
        }
    }

    /** One backfill of a fresh repository: producer created, whole history polled, producer closed. */
    private double producer(EmbeddedKafkaBroker broker, FakeGitHubProcess github, String repo, int trial) {
        ProducerAppConfig config = ProducerAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                .githubApiUrl(github.apiUrl()).token(GitHubToken.none())
                .repositories(List.of(RepositoryName.parse(repo))).transactionalId("bench-producer").build();
        long t0 = System.nanoTime();
        long events;
        try (GitHubActivityProducer producer = new GitHubActivityProducer(config)) {
            events = producer.pollOnce().of(repo).commits();
        }
        if (events != commits) {
            throw new IllegalStateException("producer published " + events + " of " + commits + " commits of " + repo);
        }
        return events / Trials.seconds(t0);
    }

    /** Fetches every page of a listing as the producer does (one request after another), reading but not parsing the bodies. */
    private static double fetchOnly(OkHttpClient http, String firstPage) throws Exception {
        long t0 = System.nanoTime();
        long items = 0;
        String url = firstPage;
        while (url != null) {
            try (Response response = http.newCall(new Request.Builder().url(url).build()).execute()) {
                byte[] body = response.body().bytes();
                items += countItems(body);
                String link = response.header("Link");
                Matcher m = link == null ? null : NEXT.matcher(link);
                url = m != null && m.find() ? m.group(1) : null;
            }
        }
        return items / Trials.seconds(t0);
    }

    /** Items of a JSON array page: its top-level objects (counted by depth, without parsing). */
    private static int countItems(byte[] body) {
        int depth = 0;
        int items = 0;
        boolean inString = false;
        for (int i = 0; i < body.length; i++) {
            byte b = body[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                if (b == '{' && depth == 1) {
                    items++;
                }
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
            }
        }
        return items;
    }

    private static double raw(EmbeddedKafkaBroker broker, List<ProducerRecord<String, byte[]>> records) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("acks", "all");
        props.put("enable.idempotence", true);
        props.put("compression.type", "lz4");
        props.put("linger.ms", 20);
        props.put("batch.size", 256 * 1024);
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            records.forEach(raw::send);
            raw.flush();
        }
        return records.size() / Trials.seconds(t0);
    }

    /** A commit like the synthetic ones (same field lengths), so the raw records have the producer's record size. */
    private static CommitEvent sampleCommit() {
        String sha = "0123456789abcdef0123456789abcdef01234567";
        Instant now = Instant.now();
        return CommitEvent.newBuilder().setRepo("bench/producer-0").setSha(sha).setAuthorName("Developer 17")
                .setAuthorEmail("dev17@example.org").setAuthorLogin("dev17").setAuthorDate(now).setCommitterDate(now)
                .setMessageHeadline("Change number 123456 of the synthetic history").setParentsCount(1)
                .setHtmlUrl("https://github.com/bench/producer-0/commit/" + sha).setIngestedAt(now).build();
    }
}
