package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.1: {@code --once} never waits silently. With an S3 endpoint that accepts connections but never answers
 * the S3 sink never catches up (nor fails: each request waits for its read timeout): every 15 s the run says what it
 * waits for, and at {@code --once-timeout} it exits 1 with one line naming the S3 sink and where its group stands;
 * the SQLite sink, which could write, holds every row. (An endpoint that refuses connections fails the sink's task
 * after its retries: that ends the run at once, see {@code LocalStackStartFailuresIT}.) The timeout is 30 s: one status
 * line, as long as the streams-app and the SQLite sink catch up within 15 s (9 s seen at a load of 24 on 2 cores); that
 * the lines repeat every interval is {@code PartWaitTest}'s (a second one here cost 15 s of each verify).
 */
class OnceTimeoutIT {
    private static final String REPO = "stuck/sink";

    @TempDir
    Path dir;

    @Test
    void aSinkThatNeverCatchesUpEndsTheRunWithExitOneNamingItAfterSayingWhatItWaitsFor() throws Exception {
        Path data = dir.resolve("data");
        // Never accept()ed: the kernel completes each connection, and no request ever gets an answer.
        try (ServerSocket silent = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
             FakeGitHub github = FakeGitHub.start()) {
            int deadPort = silent.getLocalPort();
            SyntheticActivity activity = github.serveSyntheticActivity(REPO, 300, 100, 5);
            // Kept under target/ so a failed run's whole output can be read afterwards.
            try (LocalStackProcess run = LocalStackProcess.start(Path.of("target", "it-logs", "once-timeout"),
                    Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test"),
                    "--repo", REPO, "--github-api-url", github.apiUrl(), "--data-dir", data.toString(), "--once",
                    "--s3-endpoint", "http://127.0.0.1:" + deadPort, "--once-timeout", "30s")) {
                assertThat(run.awaitExit(Duration.ofMinutes(5))).as(LocalStackProcess.tail(run.stdout())).isEqualTo(1);
                assertThat(run.stderr().strip().lines().toList()).as(run.stderr()).singleElement().asString()
                        .startsWith("ghactivity: the S3 sink got nowhere within PT30S: ")
                        .contains("lag at most")
                        .contains("group connect-ghactivity-s3 ");
                assertThat(run.stdout().lines().filter(l -> l.contains("waiting for the S3 sink: ")).count())
                        .as("a status line after 15 s of waiting").isGreaterThanOrEqualTo(1);
            }
            Map<String, String> expected = new TreeMap<>();
            activity.expectedMonthlyCounts().forEach((month, c) -> expected.put(REPO + "|" + month,
                    c[0] + "," + c[1] + "," + c[2] + "," + c[3] + "," + c[4] + "," + c[5]));
            assertThat(PipelineOutputs.sqliteCounts(data.resolve("ghactivity.db"))).isEqualTo(expected);
        }
    }
}
