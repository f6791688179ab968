package dev.ghactivity.producer.webhook;

import dev.ghactivity.producer.GitHubApiException;
import dev.ghactivity.producer.GitHubAuthenticationException;
import dev.ghactivity.producer.GitHubClient;
import dev.ghactivity.producer.GitHubItemParser;
import dev.ghactivity.producer.GitHubPage;
import dev.ghactivity.producer.MalformedPageException;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.producer.RepositoryUnavailableException;
import dev.ghactivity.schemas.CommitEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the commits a push payload left out ({@code GET /repos/{o}/{r}/compare/{before}...{after}}, the same
 * comparison the poller makes when a listing's head moves) and publishes them in a transaction of their own, after
 * the delivery was answered: GitHub gives a delivery 10 s, and a comparison may need retries. If it fails, the
 * next poll (reconciliation) lists those commits.
 */
final class PushComparison implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PushComparison.class);
    private static final int PER_PAGE = 100;

    private final ProducerAppConfig config;
    private final GitHubClient client;
    private final WebhookPublisher publisher;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "webhook-push-compare");
        t.setDaemon(true);
        return t;
    });

    PushComparison(ProducerAppConfig config, WebhookPublisher publisher) {
        this.config = config;
        this.client = new GitHubClient(config);
        this.publisher = publisher;
    }

    /** Queues the comparison of a push whose payload is incomplete. */
    void submit(WebhookEvents push) {
        executor.execute(() -> compare(push.repo(), push.compareBase(), push.compareHead()));
    }

    private void compare(String repo, String base, String head) {
        List<CommitEvent> commits = new ArrayList<>();
        try {
            HttpUrl url = client.compareUrl(repo, base, head, PER_PAGE);
            while (url != null) {
                GitHubPage page = client.get(url, null, repo);
                commits.addAll(GitHubItemParser.comparedCommits(repo, page.body(), config.clock().instant()).events());
                url = page.next();
            }
            publisher.publish(new WebhookEvents(repo, commits, List.of(), List.of(), null, null, null));
            LOG.info("{}: published the {} commits of push {}...{} its payload left out or replaced", repo, commits.size(), base, head);
        } catch (RepositoryUnavailableException | GitHubApiException | MalformedPageException | KafkaException e) {
            LOG.warn("{}: cannot publish the commits of push {}...{} beyond its payload ({}); the next poll lists them", repo, base, head, e.getMessage());
        } catch (GitHubAuthenticationException e) {
            LOG.error("{}: {}; the commits of push {}...{} beyond its payload wait for the next poll", repo, e.getMessage(), base, head);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
