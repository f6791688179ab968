package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link GitHubClient#close()} ends its waits and calls at once, with the real sleeper (no test stand-in). */
class GitHubClientShutdownTest {
    private FakeGitHub github;
    private GitHubClient client;

    @BeforeEach
    void start() {
        github = FakeGitHub.start();
        github.serveCommits("a/b", GitHubFixtures.TIDBIT_COMMITS + ".json");
        client = new GitHubClient(ProducerAppConfig.builder()
                .bootstrapServers("unused:9092")
                .githubApiUrl(github.apiUrl())
                .repositories(List.of(RepositoryName.parse("a/b")))
                .build());
    }

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    private HttpUrl commits() {
        return client.listingUrl("a/b", "commits", "per_page", "100");
    }

    /** The call in another thread, as the poll loop makes it while the shutdown hook closes the client. */
    private CompletableFuture<GitHubPage> getInBackground() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.get(commits(), null, "a/b");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void closeEndsAWaitForARateLimitResetAnHourAwayAtOnce() throws Exception {
        github.exhaustRateLimitNext(Duration.ofHours(1));
        client.get(commits(), null, "a/b"); // answers "0 requests left, reset in an hour"
        CompletableFuture<GitHubPage> waiting = getInBackground();
        Thread.sleep(300);
        assertThat(waiting).isNotDone();

        long start = System.nanoTime();
        client.close();
        // The reset is whole epoch seconds: the wait is an hour or a fraction of a second under it.
        assertStoppedWithin(waiting, Duration.ofSeconds(5), start, "stopped while waiting PT(1H|59M59\\.\\d+S)");
        assertThat(github.requests()).as("no request after the close").hasSize(1);
    }

    @Test
    void closeCancelsARequestInFlightWithoutRetryingIt() throws Exception {
        github.delayNext(1, Duration.ofSeconds(20));
        CompletableFuture<GitHubPage> inFlight = getInBackground();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> github.requests().size() == 1);

        long start = System.nanoTime();
        client.close();
        assertStoppedWithin(inFlight, Duration.ofSeconds(5), start, "the GitHub client is closed");
        assertThat(github.requests()).as("no retry after the close").hasSize(1);
    }

    private static void assertStoppedWithin(CompletableFuture<GitHubPage> call, Duration bound, long start, String why) throws Exception {
        try {
            call.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("the call returned a page after close()");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).cause().isInstanceOf(InterruptedException.class)
                    .hasMessageFindingMatch(why);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(bound);
    }
}
