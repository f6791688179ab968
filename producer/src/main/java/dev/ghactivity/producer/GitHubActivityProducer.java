package dev.ghactivity.producer;

import dev.ghactivity.producer.IngestReport.Outcome;
import dev.ghactivity.producer.IngestReport.RepositoryReport;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the commits and issues of every configured repository and publishes them, with the cursors, in
 * Kafka transactions. One repository's failure (404, exhausted retries) is reported and the others go on;
 * bad credentials stop everything.
 */
public final class GitHubActivityProducer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubActivityProducer.class);

    private final ProducerConfig config;
    private final GitHubClient client;
    private final TransactionalPublisher publisher;
    private final RepositoryListingPoller poller;
    private final ExecutorService prefetcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "github-prefetch");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch loopDone = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile boolean looping;

    public GitHubActivityProducer(ProducerConfig config) {
        this.config = config;
        if (!config.token().isPresent()) {
            LOG.warn("no GitHub token (GITHUB_TOKEN): unauthenticated requests are limited to 60 an hour");
        }
        IngestCursorStore cursors = IngestCursorStore.load(config.bootstrapServers());
        this.client = new GitHubClient(config);
        this.publisher = new TransactionalPublisher(config, cursors);
        this.poller = new RepositoryListingPoller(config, client, publisher, cursors, () -> closed, prefetcher);
    }

    /**
     * Polls every repository once: the whole history the first time, what changed since the cursor after.
     *
     * @throws GitHubAuthenticationException on 401: the credentials are wrong for every repository
     */
    public synchronized IngestReport pollOnce() {
        List<RepositoryReport> reports = new ArrayList<>();
        for (RepositoryName repo : config.repositories()) {
            if (closed) {
                break;
            }
            reports.add(pollRepository(repo));
        }
        IngestReport report = new IngestReport(reports);
        LOG.info("poll done: {}", report);
        return report;
    }

    private RepositoryReport pollRepository(RepositoryName repo) {
        long[] totals = new long[6];
        try {
            for (String endpoint : List.of(RecordKeys.COMMITS_ENDPOINT, RecordKeys.ISSUES_ENDPOINT)) {
                RepositoryListingPoller.Counts c = poller.poll(repo, endpoint);
                totals[endpoint.equals(RecordKeys.COMMITS_ENDPOINT) ? 0 : 1] += c.events;
                totals[2] += c.malformed;
                totals[3] += c.requests;
                totals[4] += c.notModified;
            }
            publisher.commitIfDue(true);
            return new RepositoryReport(repo.fullName(), Outcome.INGESTED, totals[0], totals[1], totals[2], totals[3], totals[4], null);
        } catch (RepositoryUnavailableException e) {
            commitWhatWasRead();
            LOG.error("{} skipped: {}", repo, e.getMessage());
            return new RepositoryReport(repo.fullName(), Outcome.NOT_FOUND, totals[0], totals[1], totals[2], totals[3], totals[4], e.getMessage());
        } catch (GitHubApiException e) {
            commitWhatWasRead();
            LOG.error("{} failed, will retry at the next poll: {}", repo, e.getMessage());
            return new RepositoryReport(repo.fullName(), Outcome.FAILED, totals[0], totals[1], totals[2], totals[3], totals[4], e.getMessage());
        } catch (GitHubAuthenticationException e) {
            publisher.abort();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            publisher.abort();
            return new RepositoryReport(repo.fullName(), Outcome.FAILED, 0, 0, 0, 0, 0, "interrupted");
        } catch (KafkaException e) {
            publisher.abort();
            throw e;
        }
    }

    /** Pages read before a failure are complete, with their cursor: keep them. */
    private void commitWhatWasRead() {
        publisher.commitIfDue(true);
    }

    /** Polls every poll interval until {@link #close()} (or a 401, which is thrown). */
    public void runUntilClosed() {
        looping = true;
        try {
            while (!closed) {
                pollOnce();
                if (stop.await(config.pollInterval().toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            loopDone.countDown();
        }
    }

    /** Stops polling (a backfill in progress commits its last pages and resumes next time) and closes the Kafka producer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop.countDown();
        try {
            if (looping) {
                loopDone.await(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            prefetcher.shutdownNow();
            publisher.close();
            client.close();
        }
        LOG.info("producer stopped");
    }

    Duration pollInterval() {
        return config.pollInterval();
    }
}
