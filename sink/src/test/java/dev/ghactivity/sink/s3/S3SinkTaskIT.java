package dev.ghactivity.sink.s3;

import static dev.ghactivity.sink.Rows.poison;
import static dev.ghactivity.sink.Rows.record;
import static dev.ghactivity.sink.Rows.tombstone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.embedded.EmbeddedS3Server;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.TestSinkContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3SinkTaskIT {
    private static final TopicPartition P0 = new TopicPartition(Topics.MONTHLY_ACTIVITY, 0);
    private static final TopicPartition P1 = new TopicPartition(Topics.MONTHLY_ACTIVITY, 1);
    private static final String ROW_TAIL = "\"commit_authors\":%d,\"issues_opened\":%d,\"issues_closed\":0,\"prs_opened\":1,\"prs_merged\":0,\"updated_at\":\"2026-01-02T03:04:05Z\"";

    @TempDir
    Path dir;
    private EmbeddedS3Server s3;
    private FullDiskBlobStore store;
    private S3SinkTask task;
    private TestSinkContext context;
    private final AtomicLong now = new AtomicLong(1_000_000);

    @BeforeEach
    void startServer() {
        s3 = EmbeddedS3Server.start(dir.resolve("s3"), 0, filesystem -> store = new FullDiskBlobStore(filesystem));
        s3.createBucket("bucket");
    }

    @AfterEach
    void stop() {
        if (task != null) {
            task.stop();
        }
        s3.close();
    }

    private S3SinkTask startTask(Map<String, String> extra) {
        S3SinkTask t = new S3SinkTask();
        context = new TestSinkContext(true);
        t.initialize(context);
        Map<String, String> props = new HashMap<>(Map.of(
                S3SinkConfig.BUCKET, "bucket", S3SinkConfig.ENDPOINT, s3.endpoint().toString(), S3SinkConfig.PATH_STYLE, "true",
                S3SinkConfig.ACCESS_KEY_ID, s3.accessKey(), S3SinkConfig.SECRET_ACCESS_KEY, s3.secretKey(),
                S3SinkConfig.FLUSH_MAX_RECORDS, "1000", S3SinkConfig.FLUSH_INTERVAL_MS, "10000",
                S3SinkConfig.MAX_RETRIES, "3", S3SinkConfig.RETRY_BACKOFF_MS, "5"));
        props.putAll(extra);
        t.start(props);
        t.setClock(now::get);
        t.open(List.of(P0, P1));
        task = t;
        return t;
    }

    private static String row(String repo, String month, long commits, long issues) {
        return "{\"repo\":\"" + repo + "\",\"month\":\"" + month + "\",\"commits\":" + commits + ","
                + String.format(ROW_TAIL, Math.min(commits, 3), issues) + "}";
    }

    private List<String> lines(String key) throws IOException {
        Path file = s3.objectPath("bucket", key);
        try (InputStream in = key.endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private List<String> objectKeys() throws IOException {
        Path root = dir.resolve("s3/bucket");
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> offsets(long p0, long p1) {
        return Map.of(P0, new OffsetAndMetadata(p0), P1, new OffsetAndMetadata(p1));
    }

    @Test
    void snapshotObjectsHoldTheLatestRowOfEveryRepositoryPerMonthAndPartition() throws IOException {
        startTask(Map.of());
        task.put(List.of(record(0, 0, "b/b", "2024-01", 1, 0), record(0, 1, "a/a", "2024-01", 2, 1),
                record(0, 2, "b/b", "2024-01", 4, 0), record(0, 3, "a/a", "2023-12", 1, 0),
                record(1, 0, "c/c", "2024-01", 9, 9)));
        assertThat(task.preCommit(offsets(4, 1))).as("nothing flushed yet: nothing to commit").isEmpty();

        now.addAndGet(10_000);
        task.put(List.of());
        assertThat(objectKeys()).containsExactly(
                "monthly-activity/month=2023-12/part-0.jsonl.gz",
                "monthly-activity/month=2024-01/part-0.jsonl.gz",
                "monthly-activity/month=2024-01/part-1.jsonl.gz");
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz"))
                .containsExactly(row("a/a", "2024-01", 2, 1), row("b/b", "2024-01", 4, 0));
        assertThat(lines("monthly-activity/month=2024-01/part-1.jsonl.gz")).containsExactly(row("c/c", "2024-01", 9, 9));
        assertThat(task.preCommit(offsets(4, 1))).isEqualTo(offsets(4, 1));
        assertThat(task.putRequests()).isEqualTo(3);
    }

    @Test
    void aRestartedTaskKeepsTheRowsWrittenBeforeAndATombstoneRemovesOne() throws IOException {
        Map<String, String> uncompressed = Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "2", S3SinkConfig.COMPRESSION, "none");
        startTask(uncompressed);
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), record(0, 1, "b/b", "2024-01", 2, 0)));
        task.stop();

        startTask(uncompressed);
        task.put(List.of(record(0, 2, "c/c", "2024-01", 3, 0), tombstone(0, 3, "a/a", "2024-01")));
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl"))
                .containsExactly(row("b/b", "2024-01", 2, 0), row("c/c", "2024-01", 3, 0));
    }

    @Test
    void aMonthDroppedFromMemoryIsReadBackWhenTouchedAgain() throws IOException {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "1", S3SinkConfig.SNAPSHOT_CACHED_MONTHS, "1"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0)));
        task.put(List.of(record(0, 1, "b/b", "2024-02", 1, 0))); // 2024-01 is dropped after this flush
        task.put(List.of(record(0, 2, "c/c", "2024-01", 1, 0)));
        assertThat(task.getRequests()).isEqualTo(3);
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz"))
                .containsExactly(row("a/a", "2024-01", 1, 0), row("c/c", "2024-01", 1, 0));
    }

    @Test
    void theBucketIsCreatedOnStartWhenAsked() throws IOException {
        startTask(Map.of(S3SinkConfig.BUCKET, "fresh-bucket", S3SinkConfig.BUCKET_CREATE, "true", S3SinkConfig.FLUSH_MAX_RECORDS, "1"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0)));
        Path file = s3.objectPath("fresh-bucket", "monthly-activity/month=2024-01/part-0.jsonl.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()).containsExactly(row("a/a", "2024-01", 1, 0));
        }
    }

    @Test
    void changelogObjectsAreNamedByTopicPartitionAndStartOffsetWithOneLinePerRecord() throws IOException {
        startTask(Map.of(S3SinkConfig.MODE, "changelog"));
        task.put(List.of(record(0, 5, "a/a", "2024-01", 1, 0), record(0, 6, "a/a", "2024-01", 2, 0), tombstone(0, 7, "a/a", "2024-02")));
        now.addAndGet(10_000);
        task.put(List.of());
        assertThat(objectKeys()).containsExactly(
                "monthly-activity/changelog/month=2024-01/github.monthly-activity+0+00000000000000000005.jsonl.gz",
                "monthly-activity/changelog/month=2024-02/github.monthly-activity+0+00000000000000000007.jsonl.gz");
        assertThat(lines("monthly-activity/changelog/month=2024-01/github.monthly-activity+0+00000000000000000005.jsonl.gz"))
                .containsExactly(row("a/a", "2024-01", 1, 0).replace("}", ",\"offset\":5}"),
                        row("a/a", "2024-01", 2, 0).replace("}", ",\"offset\":6}"));
        assertThat(lines("monthly-activity/changelog/month=2024-02/github.monthly-activity+0+00000000000000000007.jsonl.gz"))
                .containsExactly("{\"repo\":\"a/a\",\"month\":\"2024-02\",\"deleted\":true,\"offset\":7}");
    }

    @Test
    void aRestartedChangelogTaskRewritesWhatFollowsTheCommitWithoutDoublingIt() throws IOException {
        Map<String, String> changelog = Map.of(S3SinkConfig.MODE, "changelog");
        startTask(changelog);
        // Three time-based flushes; only the first is committed before the task dies.
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), record(0, 1, "b/b", "2024-01", 1, 0)));
        now.addAndGet(10_000);
        assertThat(task.preCommit(offsets(2, 0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
        task.put(List.of(record(0, 2, "a/a", "2024-01", 2, 0), record(0, 3, "a/a", "2024-02", 1, 0)));
        now.addAndGet(10_000);
        task.put(List.of());
        task.put(List.of(record(0, 4, "b/b", "2024-01", 2, 0)));
        now.addAndGet(10_000);
        task.put(List.of());
        String month1 = "monthly-activity/changelog/month=2024-01/github.monthly-activity+0+";
        String month2 = "monthly-activity/changelog/month=2024-02/github.monthly-activity+0+";
        assertThat(objectKeys()).containsExactly(month1 + "00000000000000000000.jsonl.gz", month1 + "00000000000000000002.jsonl.gz",
                month1 + "00000000000000000004.jsonl.gz", month2 + "00000000000000000003.jsonl.gz");
        task.stop(); // dies: no close(), no commit

        // Connect hands the new task everything after the committed offset 2, and this time one flush cuts it.
        startTask(changelog);
        task.put(List.of(record(0, 2, "a/a", "2024-01", 2, 0), record(0, 3, "a/a", "2024-02", 1, 0), record(0, 4, "b/b", "2024-01", 2, 0)));
        now.addAndGet(10_000);
        assertThat(task.preCommit(offsets(5, 0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(5)));
        assertThat(objectKeys()).containsExactly(month1 + "00000000000000000000.jsonl.gz", month1 + "00000000000000000002.jsonl.gz",
                month2 + "00000000000000000003.jsonl.gz");
        assertThat(lines(month1 + "00000000000000000000.jsonl.gz")).containsExactly(
                row("a/a", "2024-01", 1, 0).replace("}", ",\"offset\":0}"), row("b/b", "2024-01", 1, 0).replace("}", ",\"offset\":1}"));
        assertThat(lines(month1 + "00000000000000000002.jsonl.gz")).containsExactly(
                row("a/a", "2024-01", 2, 0).replace("}", ",\"offset\":2}"), row("b/b", "2024-01", 2, 0).replace("}", ",\"offset\":4}"));
        assertThat(lines(month2 + "00000000000000000003.jsonl.gz")).containsExactly(row("a/a", "2024-02", 1, 0).replace("}", ",\"offset\":3}"));
    }

    @Test
    void anIdlePartitionStillFlushesByTime() throws IOException {
        startTask(Map.of());
        task.put(List.of(record(1, 0, "a/a", "2024-01", 1, 0)));
        now.addAndGet(9_999);
        task.put(List.of());
        assertThat(Files.exists(dir.resolve("s3/bucket/monthly-activity/month=2024-01/part-1.jsonl.gz"))).isFalse();
        now.addAndGet(1);
        assertThat(task.preCommit(offsets(0, 1))).isEqualTo(Map.of(P1, new OffsetAndMetadata(1)));
        assertThat(lines("monthly-activity/month=2024-01/part-1.jsonl.gz")).containsExactly(row("a/a", "2024-01", 1, 0));
    }

    @Test
    void recordsConnectSkippedAfterTheLastFlushedRowCommitToo() throws IOException {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "1"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), record(0, 2, "b/b", "2024-01", 1, 0)));
        // Offset 1 and offsets 3-4 of P0, and everything of P1, were refused by a converter: the task never saw them.
        assertThat(task.preCommit(offsets(5, 3))).isEqualTo(offsets(5, 3));
        task.put(List.of(record(0, 5, "c/c", "2024-01", 1, 0), record(0, 6, "d/d", "2024-01", 1, 0)));
        task.put(List.of(record(0, 8, "e/e", "2024-02", 1, 0))); // offset 7 skipped
        assertThat(task.preCommit(offsets(9, 3))).isEqualTo(offsets(9, 3));
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz")).hasSize(4);
    }

    @Test
    void skippedRecordsBehindUnflushedRowsWaitForTheirFlush() {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "3"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), record(0, 1, "b/b", "2024-01", 1, 0)));
        assertThat(task.preCommit(offsets(3, 0))).as("rows 0 and 1 are not in S3 yet").isEmpty();
    }

    @Test
    void aPoisonRecordIsReportedAndItsOffsetStillCommits() throws IOException {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "3"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), poison(0, 1, "a/a|2024-01"), record(0, 2, "b/b", "2024-01", 1, 0)));
        assertThat(context.reported).hasSize(1);
        assertThat(task.preCommit(offsets(3, 0))).containsEntry(P0, new OffsetAndMetadata(3));
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz")).hasSize(2);
    }

    @Test
    void anUnreachableEndpointIsRetriedAndNothingIsLostOrDoubledWhenItComesBack() throws IOException {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "2", S3SinkConfig.MAX_RETRIES, "5"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), record(0, 1, "b/b", "2024-01", 2, 0)));
        int port = s3.port();
        s3.close();

        List<org.apache.kafka.connect.sink.SinkRecord> batch = List.of(record(0, 2, "a/a", "2024-01", 5, 0), record(0, 3, "c/c", "2024-01", 1, 0));
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        assertThat(task.preCommit(offsets(4, 0))).as("only what is in S3").isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class); // Connect redelivers
        assertThat(context.timeouts).hasSizeGreaterThanOrEqualTo(2).allMatch(t -> t == 5L);

        s3 = EmbeddedS3Server.start(dir.resolve("s3"), port);
        task.put(batch);
        assertThat(task.preCommit(offsets(4, 0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(4)));
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz"))
                .containsExactly(row("a/a", "2024-01", 5, 0), row("b/b", "2024-01", 2, 0), row("c/c", "2024-01", 1, 0));
    }

    @Test
    void aFullDiskUnderTheS3ServerIsRetriedAndNothingIsLostOrDoubledOnceThereIsSpace() throws IOException {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "2", S3SinkConfig.MAX_RETRIES, "5"));
        task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0), record(0, 1, "b/b", "2024-01", 2, 0)));
        store.full(true);

        List<org.apache.kafka.connect.sink.SinkRecord> batch = List.of(record(0, 2, "a/a", "2024-01", 5, 0), record(0, 3, "c/c", "2024-02", 1, 0));
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        assertThat(task.preCommit(offsets(4, 0))).as("only what is in S3").isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class); // Connect redelivers
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz")).as("the last good object is intact")
                .containsExactly(row("a/a", "2024-01", 1, 0), row("b/b", "2024-01", 2, 0));

        store.full(false);
        task.put(batch);
        assertThat(task.preCommit(offsets(4, 0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(4)));
        assertThat(lines("monthly-activity/month=2024-01/part-0.jsonl.gz"))
                .containsExactly(row("a/a", "2024-01", 5, 0), row("b/b", "2024-01", 2, 0));
        assertThat(lines("monthly-activity/month=2024-02/part-0.jsonl.gz")).containsExactly(row("c/c", "2024-02", 1, 0));
        assertThat(objectKeys()).containsExactly("monthly-activity/month=2024-01/part-0.jsonl.gz",
                "monthly-activity/month=2024-02/part-0.jsonl.gz");
    }

    @Test
    void anEndpointThatStaysDownFailsTheTaskAfterMaxRetries() {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "1", S3SinkConfig.MAX_RETRIES, "2"));
        s3.close();
        List<org.apache.kafka.connect.sink.SinkRecord> batch = List.of(record(0, 0, "a/a", "2024-01", 1, 0));
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("failed 3 times").hasMessageContaining("check the endpoint");
        assertThat(context.timeouts).containsExactly(5L, 5L);
        assertThat(task.preCommit(offsets(1, 0))).isEmpty();
    }

    @Test
    void wrongCredentialsStopTheTaskAtOnceWithoutLeakingTheSecret() {
        startTask(Map.of(S3SinkConfig.FLUSH_MAX_RECORDS, "1", S3SinkConfig.SECRET_ACCESS_KEY, "not-the-secret"));
        assertThatThrownBy(() -> task.put(List.of(record(0, 0, "a/a", "2024-01", 1, 0))))
                .isInstanceOf(ConnectException.class).isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("HTTP 403").hasMessageContaining("credentials")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-secret"));
        assertThat(context.timeouts).isEmpty();
    }
}
