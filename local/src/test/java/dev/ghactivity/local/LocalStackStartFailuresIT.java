package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.ReadOnlyFiles;
import dev.ghactivity.testkit.SyntheticActivity;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fatal start and run failures of the local stack through the runnable jar: each is exit code 1 and one line on
 * stderr saying what happened and what to do, no stack trace on stdout or stderr, and nothing lost.
 */
class LocalStackStartFailuresIT {
    private static final String REPO = "fail/fast";
    private static final Path LOGS = Path.of("target", "it-logs", "start-failures");

    @TempDir
    Path dir;

    static void assertNoStackTrace(LocalStackProcess run) {
        assertThat(run.stdout()).as("stdout").doesNotContain("\tat ");
        assertThat(run.stderr()).as("stderr").doesNotContain("\tat ");
    }

    /** The only line on stderr (fails if there are others). */
    static String oneLine(LocalStackProcess run) {
        List<String> lines = run.stderr().strip().lines().toList();
        assertThat(lines).as("stderr, stdout tail:\n" + LocalStackProcess.tail(run.stdout())).hasSize(1);
        return lines.get(0);
    }

    /** A second stack on a data dir another process holds: refused before anything starts or is written. */
    @Test
    void aDataDirInUseIsOneLineNamingTheHoldersPidAndNothingIsTouched() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        long pid = ProcessHandle.current().pid();
        try (FakeGitHub github = FakeGitHub.start();
             FileChannel channel = FileChannel.open(data.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            github.serveSyntheticActivity(REPO, 10, 10, 1);
            channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)));
            try (LocalStackProcess run = LocalStackProcess.start(LOGS, Map.of(), "--repo", REPO, "--github-api-url", github.apiUrl(),
                    "--data-dir", data.toString(), "--once")) {
                assertThat(run.awaitExit(Duration.ofMinutes(1))).isEqualTo(1);
                assertThat(oneLine(run)).isEqualTo("ghactivity: data dir " + data.toAbsolutePath() + " is in use by another "
                        + "ghactivity process (pid " + pid + "); stop it or use another --data-dir");
                assertNoStackTrace(run);
            }
            try (Stream<Path> files = Files.list(data)) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).as("nothing created").containsExactly(".lock");
            }
            assertThat(Files.readString(data.resolve(".lock")).strip()).as("the holder's pid kept").isEqualTo(String.valueOf(pid));
            assertThat(github.requests()).as("nothing polled").isEmpty();
        }
    }

    /** A disk that fills up at start (a file-size limit: Kafka's first index file is bigger): the broker's fault, in one line. */
    @Test
    void aFullDiskAtStartIsOneLineSayingWhatToDo() throws Exception {
        Path data = dir.resolve("data");
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveSyntheticActivity(REPO, 10, 10, 1);
            try (LocalStackProcess run = LocalStackProcess.startWithFileSizeLimit(LOGS, 2000, "--repo", REPO,
                    "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once")) {
                assertThat(run.awaitExit(Duration.ofMinutes(2))).isEqualTo(1);
                assertThat(oneLine(run)).startsWith("ghactivity: the embedded Kafka broker stopped on a fatal error: ")
                        .contains("File too large")
                        .endsWith("if the file system of " + data.toAbsolutePath() + " is full or read-only (or a file-size limit, "
                                + "ulimit -f, is in force), free space or choose another --data-dir, and start again");
                assertNoStackTrace(run);
            }
            assertThat(github.requests()).as("nothing polled").isEmpty();
        }
    }

    /**
     * A read-only SQLite file ends a --once run as soon as the sink's task fails (not at --once-timeout), naming the file;
     * the lock file a killed run left does not block the start. Once writable, the next run writes every row (nothing
     * lost), and a start with another --zone is refused with the local stack's remedy (a new --data-dir).
     */
    @Test
    void aReadOnlySqliteFileEndsTheRunAtOnceAndTheNextRunWritesEverything() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve(".lock"), "2147483646\n"); // left by a killed run: no process holds its OS lock
        Path db = data.resolve("ghactivity.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("CREATE TABLE placeholder (x INTEGER)"); // a real database file, then read-only
        }
        try (FakeGitHub github = FakeGitHub.start()) {
            SyntheticActivity activity = github.serveSyntheticActivity(REPO, 120, 40, 3);
            String[] args = {"--repo", REPO, "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once",
                    "--once-timeout", "10m"};
            ReadOnlyFiles readOnly;
            try {
                readOnly = ReadOnlyFiles.make(db);
            } catch (IllegalStateException e) {
                Assumptions.abort(e.getMessage());
                return;
            }
            try (readOnly; LocalStackProcess run = LocalStackProcess.start(LOGS, Map.of(), args)) {
                // Far below --once-timeout: the failed task is seen within seconds of the sink's first write.
                assertThat(run.awaitExit(Duration.ofMinutes(4))).isEqualTo(1);
                assertThat(oneLine(run)).startsWith("ghactivity: the SQLite sink stopped: SQLite file " + db.toAbsolutePath()
                                + " is read-only (")
                        .contains("make it and its directory writable")
                        .endsWith("(what it did not write stays in topic github.monthly-activity and is written when the stack starts again)");
                assertNoStackTrace(run);
            }

            try (LocalStackProcess run = LocalStackProcess.start(LOGS, Map.of(), args)) {
                assertThat(run.awaitExit(Duration.ofMinutes(5))).as(LocalStackProcess.tail(run.stdout())).isZero();
                assertThat(run.stderr()).isEmpty();
            }
            Map<String, String> expected = new TreeMap<>();
            activity.expectedMonthlyCounts().forEach((month, c) -> expected.put(REPO + "|" + month,
                    c[0] + "," + c[1] + "," + c[2] + "," + c[3] + "," + c[4] + "," + c[5]));
            assertThat(PipelineOutputs.sqliteCounts(db)).as("nothing lost").isEqualTo(expected);
            assertThat(PipelineOutputs.s3Counts(data)).isEqualTo(expected);

            String[] berlin = Stream.concat(Stream.of(args), Stream.of("--zone", "Europe/Berlin")).toArray(String[]::new);
            try (LocalStackProcess run = LocalStackProcess.start(LOGS, Map.of(), berlin)) {
                assertThat(run.awaitExit(Duration.ofMinutes(3))).isEqualTo(1);
                assertThat(oneLine(run)).isEqualTo("ghactivity: data dir " + data.toAbsolutePath() + " counted months with "
                        + "zone=UTC,commit-date-field=AUTHOR (stored in topic ghactivity-streams-settings), this start asks for "
                        + "zone=Europe/Berlin,commit-date-field=AUTHOR: mixing them would corrupt every count. Start with the stored "
                        + "settings, or count from scratch in a new --data-dir (it re-reads GitHub; see README, 'Changing the zone')");
                assertNoStackTrace(run);
            }
            assertThat(PipelineOutputs.sqliteCounts(db)).as("the refused start changed nothing").isEqualTo(expected);
        }
    }
}
