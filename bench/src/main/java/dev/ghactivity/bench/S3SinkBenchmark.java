package dev.ghactivity.bench;

import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.s3.S3SinkTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Figure 4: {@link S3SinkTask} in snapshot mode (gzip JSON Lines, one object per month and partition) fed
 * 1,000 records per {@code put()}, against the raw SDK putting the same bytes (the objects the sink wrote)
 * as often as the sink made PUT requests, to the same embedded S3 server. Reported, no target.
 */
final class S3SinkBenchmark {
    private static final TopicPartition PARTITION = new TopicPartition(Topics.MONTHLY_ACTIVITY, 0);

    private final int rows;
    private final int trials;
    private final Path work;
    private final List<SinkRecord> records = new ArrayList<>();

    S3SinkBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.rows = sizes.s3Rows();
        this.trials = sizes.trials();
        this.work = work;
    }

    void run(Results results) throws Exception {
        // 200 repositories x 144 months, 1,000 records per put(): each batch touches 5 months.
        YearMonth first = YearMonth.of(2010, 1);
        for (int i = 0; i < rows; i++) {
            String repo = "bench/r" + (i % 200);
            String month = first.plusMonths((i / 200) % 144).toString();
            MonthlyActivity a = MonthlyActivity.newBuilder().setRepo(repo).setMonth(month).setCommits(i).setCommitAuthors(1 + i % 9)
                    .setIssuesOpened(i % 5).setIssuesClosed(i % 3).setPrsOpened(i % 11).setPrsMerged(i % 2).setUpdatedAt(Instant.now()).build();
            records.add(new SinkRecord(Topics.MONTHLY_ACTIVITY, 0, Schema.STRING_SCHEMA, RecordKeys.monthly(repo, month),
                    Schema.OPTIONAL_BYTES_SCHEMA, AvroSerdes.monthlyActivity().encode(a), i));
        }
        try (EmbeddedS3Server s3 = EmbeddedS3Server.start(work.resolve("s3"), 0);
             S3Client client = S3Client.builder().endpointOverride(s3.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                     .httpClient(UrlConnectionHttpClient.create())
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                     .build()) {
            // A first sink run warms up and tells what the baseline must put: how many PUTs, which bytes.
            long[] puts = new long[1];
            sink(s3, "warmup", puts);
            List<byte[]> objects = objectsOf(work.resolve("s3").resolve("bench-warmup"));
            s3.createBucket("bench-raw");
            Trials.Outcome o = Trials.alternate(0, trials,
                    trial -> sink(s3, "t" + trial, puts),
                    trial -> raw(client, objects, puts[0], trial));
            results.add(new Results.Row("4 S3 sink: snapshot, gzip JSONL",
                    Results.perSecond(o.measuredMedian(), "rows") + String.format(Locale.ROOT, ", %.0f rows/PUT", (double) rows / puts[0]),
                    String.format(Locale.ROOT, "raw putObject of the same %d objects: %s", puts[0], Results.perSecond(o.baselineMedian(), "rows")),
                    Results.ratio(o.ratio()), "report", "-"));
            results.note(String.format(Locale.ROOT, "4 S3: %,d rows of 200 repositories x 144 months, flush every 10,000 records; each run a new bucket; "
                    + "%d PUTs per run (%d distinct objects, %,d bytes in all); 1 warm-up + %d runs, medians; sink runs %s rows/s, "
                    + "raw runs %s rows/s (rows of the same bytes).", rows, puts[0], objects.size(),
                    objects.stream().mapToLong(b -> b.length).sum(), trials, Results.runs(o.measured()), Results.runs(o.baseline())));
        }
    }

    private double sink(EmbeddedS3Server s3, String run, long[] puts) throws Exception {
        String bucket = "bench-" + run.toLowerCase(Locale.ROOT);
        s3.createBucket(bucket);
        S3SinkTask task = new S3SinkTask();
        task.start(Map.of("s3.bucket", bucket, "s3.endpoint", s3.endpoint().toString(), "s3.path.style", "true",
                "s3.access.key.id", s3.accessKey(), "s3.secret.access.key", s3.secretKey(), "flush.max.records", "10000",
                "flush.interval.ms", "3600000"));
        try {
            task.open(List.of(PARTITION));
            long t0 = System.nanoTime();
            for (int i = 0; i < rows; i += 1000) {
                List<SinkRecord> batch = ConvertedRecords.of(records.subList(i, Math.min(rows, i + 1000)));
                while (true) {
                    try {
                        task.put(batch);
                        break;
                    } catch (RetriableException e) {
                        Thread.sleep(100); // what Connect does: deliver the same batch again
                    }
                }
            }
            task.close(List.of(PARTITION));
            double perSecond = rows / Trials.seconds(t0);
            puts[0] = task.putRequests();
            return perSecond;
        } finally {
            task.stop();
        }
    }

    private double raw(S3Client client, List<byte[]> objects, long puts, int trial) {
        long t0 = System.nanoTime();
        for (int i = 0; i < puts; i++) {
            byte[] body = objects.get(i % objects.size());
            String key = "raw-" + trial + "/object-" + (i % objects.size()) + ".jsonl.gz";
            client.putObject(r -> r.bucket("bench-raw").key(key), RequestBody.fromBytes(body));
        }
        return rows / Trials.seconds(t0);
    }

    private static List<byte[]> objectsOf(Path bucketDir) throws Exception {
        List<byte[]> objects = new ArrayList<>();
        try (Stream<Path> files = Files.walk(bucketDir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                objects.add(Files.readAllBytes(p));
            }
        }
        if (objects.isEmpty()) {
            throw new IllegalStateException("the S3 sink wrote nothing under " + bucketDir);
        }
        return objects;
    }
}
