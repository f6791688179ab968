package dev.ghactivity.producer;

import dev.ghactivity.producer.IngestReport.Outcome;
import dev.ghactivity.producer.IngestReport.RepositoryReport;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the commits and issues of every configured repository and publishes them, with the cursors, in
 * Kafka transactions. One repository's failure (404, exhausted retries) is reported and the others go on;
 * bad credentials stop everything.
 *
 * <p>Up to {@code --max-concurrent-repos} repositories are polled at once, each by a thread of its own, a repository
 * never by two; their pages go through the one transactional producer ({@link TransactionalPublisher.Writer}). A long
 * backfill goes in slices of {@code backfillSlicePages} pages and then queues behind the polls that came due, so it
 * holds at most one thread and delays no other repository by more than one slice.
 */
public final class GitHubActivityProducer implements AutoCloseable, TrackedRepositories {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubActivityProducer.class);

    private final ProducerAppConfig config;
    private final GitHubClient client;
    private final TransactionalPublisher publisher;
    private final RepositoryListingPoller poller;
    /** Which of a repository's names (by its GitHub id) it is counted under. */
    private final RepositoryIdentities identities;
    private final IngestProgress progress;
    private final ProducerMetrics metrics;
    /** Polls up to {@code --max-concurrent-repos} repositories at once (one slice of a repository per thread). */
    private final ExecutorService pollers;
    /** Fetches each polled repository's next page while its current one is published. */
    private final ExecutorService prefetcher;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch loopDone = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile boolean looping;
    /** Null when every repository is named: nothing to discover. */
    private final RepositoryDiscovery discovery;
    private volatile List<RepositoryName> tracked;
    private Instant nextDiscovery = Instant.MIN;
    /** When each repository's last poll (or slice of one) ended. */
    private final Map<RepositoryName, Instant> lastPolled = new HashMap<>();
    private static final List<String> LISTINGS = List.of(RecordKeys.COMMITS_ENDPOINT, RecordKeys.ISSUES_ENDPOINT);

    /** Reads the cursors back from {@code github.ingest-state}, then opens the transactional Kafka producer. */
    public GitHubActivityProducer(ProducerAppConfig config) {
        this(config, ProducerMetrics.unscraped());
    }

    /** Recording its GitHub requests, items published and polls in {@code metrics} (see {@link ProducerMetrics}). */
    public GitHubActivityProducer(ProducerAppConfig config, ProducerMetrics metrics) {
        this(config, null, IngestCursorStore.load(config.bootstrapServers(), config.kafkaProperties()), metrics);
    }

    /** With a given Kafka producer (null: one from the config) and cursors; tests pass a transactional {@code MockProducer}. */
    GitHubActivityProducer(ProducerAppConfig config, Producer<String, byte[]> kafka, IngestCursorStore cursors) {
        this(config, kafka, cursors, ProducerMetrics.unscraped());
    }

    private GitHubActivityProducer(ProducerAppConfig config, Producer<String, byte[]> kafka, IngestCursorStore cursors,
                                   ProducerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        if (!config.token().isPresent() && config.githubApp().isEmpty()) {
            LOG.warn("no GitHub token ({}): unauthenticated requests are limited to 60 an hour", GitHubToken.ENVIRONMENT_VARIABLE);
        }
        this.client = new GitHubClient(config, metrics);
        this.publisher = new TransactionalPublisher(config, kafka == null ? TransactionalPublisher.kafkaProducer(config) : kafka,
                cursors, () -> closed);
        this.progress = new IngestProgress(config.clock());
        this.pollers = Executors.newFixedThreadPool(config.maxConcurrentRepos(), daemonThreads("github-poll-"));
        this.prefetcher = Executors.newFixedThreadPool(config.maxConcurrentRepos(), daemonThreads("github-prefetch-"));
        this.identities = new RepositoryIdentities(client, config.githubApiUrl(), cursors, () -> tracked);
        this.poller = new RepositoryListingPoller(config, client, cursors, () -> closed, prefetcher, progress, identities);
        this.discovery = config.selection().discovers()
                ? new RepositoryDiscovery(config.selection(), client, config.githubApiUrl(), config.perPage(), identities::keyFor) : null;
        this.tracked = config.repositories();
        progress.tracked(tracked);
        metrics.bindKafka(publisher.kafkaProducer());
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** What one slice of a repository's poll came to: its report and the listings left for the next slice, or what stops everything. */
    private record Slice(RepositoryName repo, RepositoryReport report, List<String> unfinished, Duration took, Throwable stop) {
    }

    /**
     * Polls every repository once: the whole history the first time, what changed since the cursor after. Up to
     * {@code --max-concurrent-repos} repositories at once; the call returns when every listing was read to its end.
     *
     * @throws GitHubAuthenticationException on 401: the credentials are wrong for every repository
     */
    public synchronized IngestReport pollOnce() {
        List<RepositoryReport> discoveryReports = new ArrayList<>(discoverIfDue());
        Map<RepositoryName, RepositoryReport> reports = new HashMap<>();
        List<RepositoryName> order = new ArrayList<>(tracked);
        // Slices waiting for a thread, first come first served: a repository's whole poll, or the unfinished listings of
        // its backfill, which goes on after its slice of --backfill-slice-pages behind what came due meanwhile.
        Set<RepositoryName> queue = new LinkedHashSet<>(tracked);
        Map<RepositoryName, List<String>> backfilling = new HashMap<>();
        Map<RepositoryName, Future<?>> running = new HashMap<>();
        BlockingQueue<Slice> finished = new LinkedBlockingQueue<>();
        Throwable stop = null;
        try {
            while (!closed && stop == null && (!queue.isEmpty() || !running.isEmpty())) {
                boolean heldForReserve = false;
                for (java.util.Iterator<RepositoryName> it = queue.iterator(); it.hasNext() && running.size() < config.maxConcurrentRepos(); ) {
                    RepositoryName repo = it.next();
                    if (!tracked.contains(repo)) {
                        it.remove(); // no longer listed by the last discovery
                        continue;
                    }
                    if (backfilling.containsKey(repo) && client.budgetLeft() <= reserve()) {
                        heldForReserve = true; // the reserve is for the incremental polls: this backfill waits
                        continue;
                    }
                    it.remove();
                    List<String> endpoints = backfilling.getOrDefault(repo, LISTINGS);
                    running.put(repo, pollers.submit(() -> finished.add(pollSlice(repo, endpoints))));
                }
                if (running.isEmpty()) {
                    if (heldForReserve && !closed) {
                        awaitBudget();
                    }
                } else {
                    // While running continuously, a poll that comes due takes a free thread at once, not after the next slice.
                    Slice slice = looping && running.size() < config.maxConcurrentRepos()
                            ? finished.poll(untilNextPollDue(r -> running.containsKey(r) || backfilling.containsKey(r) || queue.contains(r)),
                                    TimeUnit.MILLISECONDS)
                            : finished.take();
                    if (slice != null) {
                        running.remove(slice.repo());
                        stop = sliceEnded(slice, reports, backfilling);
                    }
                }
                if (stop == null && (!queue.isEmpty() || !running.isEmpty() || !backfilling.isEmpty())) {
                    discoveryReports.addAll(discoverIfDue());
                    Instant now = config.clock().instant();
                    for (RepositoryName repo : tracked) {
                        // New repositories start at once; while running, others are polled again when their interval is up.
                        Instant last = lastPolled.get(repo);
                        if (!running.containsKey(repo) && !backfilling.containsKey(repo)
                                && (last == null || (looping && !now.isBefore(last.plus(config.pollInterval()))))) {
                            queue.add(repo);
                        }
                    }
                    // A backfill's next slice queues behind the polls that came due (a set keeps the first place of each).
                    backfilling.keySet().stream().filter(r -> !running.containsKey(r)).forEach(queue::add);
                    queue.stream().filter(r -> !order.contains(r)).forEach(order::add);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.values().forEach(f -> f.cancel(true)); // each aborts what it has open; the next poll reads those pages again
        }
        // Stopped (closed, a 401, a Kafka producer that cannot go on): the slices running end first, so nothing is left half done.
        while (!running.isEmpty()) {
            Slice slice;
            try {
                slice = finished.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            running.remove(slice.repo());
            Throwable failure = sliceEnded(slice, reports, backfilling);
            stop = stop == null ? failure : stop;
        }
        if (stop instanceof Error error) {
            throw error;
        }
        if (stop != null) {
            throw (RuntimeException) stop;
        }
        List<RepositoryReport> all = new ArrayList<>(discoveryReports);
        order.stream().map(reports::get).filter(java.util.Objects::nonNull).forEach(all::add);
        IngestReport report = new IngestReport(all);
        LOG.debug("poll done: {}", report);
        return report;
    }

    /** Milliseconds until the first repository not {@code busy} comes due again (at least 1, at most a poll interval). */
    private long untilNextPollDue(java.util.function.Predicate<RepositoryName> busy) {
        Instant now = config.clock().instant();
        Duration first = config.pollInterval();
        for (RepositoryName repo : tracked) {
            Instant last = lastPolled.get(repo);
            if (last != null && !busy.test(repo)) {
                Duration d = Duration.between(now, last.plus(config.pollInterval()));
                first = d.compareTo(first) < 0 ? d : first;
            }
        }
        return Math.max(1, first.toMillis());
    }

    /** Polls a slice of one repository on a poller thread; what stops everything is handed back, not thrown. */
    private Slice pollSlice(RepositoryName repo, List<String> endpoints) {
        RepositoryListingPoller.Counts counts = new RepositoryListingPoller.Counts();
        long start = System.nanoTime();
        try {
            RepositoryReport report = pollRepository(repo, counts, endpoints);
            return new Slice(repo, report, List.copyOf(counts.yielded), Duration.ofNanos(System.nanoTime() - start), null);
        } catch (RuntimeException | Error e) {
            return new Slice(repo, null, List.of(), Duration.ofNanos(System.nanoTime() - start), e);
        }
    }

    /** Records a slice that ended (report, metrics, progress, what is left of its backfill); returns what stops everything. */
    private Throwable sliceEnded(Slice slice, Map<RepositoryName, RepositoryReport> reports, Map<RepositoryName, List<String>> backfilling) {
        RepositoryName repo = slice.repo();
        lastPolled.put(repo, config.clock().instant());
        if (slice.stop() != null) {
            backfilling.remove(repo);
            return slice.stop();
        }
        RepositoryReport report = slice.report();
        metrics.repositoryPolled(report, slice.took(), config.clock().instant(), slice.unfinished().isEmpty());
        progress.polled(repo.fullName(), report.outcome(), report.message(), !slice.unfinished().isEmpty());
        reports.merge(repo, report, GitHubActivityProducer::merged);
        if (!slice.unfinished().isEmpty()) {
            backfilling.put(repo, slice.unfinished()); // only the unfinished listings go on
        } else {
            backfilling.remove(repo);
        }
        return null;
    }

    /** The reserve for incremental polls, at most half the hourly limit (60 unauthenticated) so backfills always go on. */
    private int reserve() {
        return Math.min(config.rateLimitReserve(), client.hourlyLimit() / 2);
    }

    /**
     * Only backfills are left and every token is down to the reserve: waits for the first token's new window, or
     * when running continuously for at most one poll interval, so the incremental polls that come due go on.
     */
    private void awaitBudget() {
        java.time.Duration wait = client.untilBudgetReset();
        LOG.info("backfills wait {} s for the rate limit's reset: every token is down to the {} requests kept for incremental "
                + "polls (--rate-limit-reserve)", wait.toSeconds(), reserve());
        try {
            java.time.Duration d = wait.isZero() ? java.time.Duration.ofSeconds(1) : wait;
            if (looping && d.compareTo(config.pollInterval()) > 0) {
                d = config.pollInterval(); // the incremental polls that come due meanwhile go first
            }
            if (config.sleeper().isPresent()) {
                config.sleeper().get().sleep(d);
            } else {
                stop.await(d.toMillis(), TimeUnit.MILLISECONDS); // close() ends the wait
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** One repository's report over several slices of one poll: what each published, the last failure. */
    private static RepositoryReport merged(RepositoryReport a, RepositoryReport b) {
        RepositoryReport failed = b.outcome() != Outcome.INGESTED ? b : a;
        return new RepositoryReport(a.repo(), failed.outcome(), a.commits() + b.commits(), a.issues() + b.issues(),
                a.malformed() + b.malformed(), a.requests() + b.requests(), a.notModified() + b.notModified(),
                a.missing() + b.missing(), failed.message());
    }

    /** Where each tracked repository stands (read-only snapshots), for the log and for other parts to serve. */
    public IngestProgress progress() {
        return progress;
    }

    @Override
    public List<RepositoryName> tracked() {
        return tracked;
    }

    @Override
    public RepositoryName trackedKey(RepositoryName name, Long id) {
        RepositoryName key = id == null ? null : identities.countedUnder(id);
        if (key != null) {
            return tracked.contains(key) ? key : null; // never under a name refused for it, so it is counted once
        }
        return isTracked(name) ? name : null;
    }

    /**
     * Lists the organizations, users and globs' owners again when {@code --discovery-interval} has passed: a new
     * repository is polled from this poll on (its backfill starts), one no longer listed is not polled any more (its
     * records and counts stay). A listing that cannot be read keeps its repositories and is reported as failed.
     */
    private List<RepositoryReport> discoverIfDue() {
        Instant now = config.clock().instant();
        if (discovery == null || now.isBefore(nextDiscovery)) {
            return List.of();
        }
        nextDiscovery = now.plus(config.discoveryInterval());
        RepositoryDiscovery.Result result;
        long requestsBefore = discovery.requestsSent();
        try {
            result = discovery.discover();
        } catch (GitHubUnreachableException e) {
            LOG.error("discovery: {}", e.getMessage());
            return List.of(new RepositoryReport("discovery", Outcome.UNREACHABLE, 0, 0, 0, discovery.requestsSent() - requestsBefore, 0, 0,
                    e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(new RepositoryReport("discovery", Outcome.FAILED, 0, 0, 0, discovery.requestsSent() - requestsBefore, 0, 0,
                    "interrupted"));
        }
        List<RepositoryName> before = tracked;
        List<RepositoryName> added = result.repositories().stream().filter(r -> !before.contains(r)).toList();
        List<RepositoryName> removed = before.stream().filter(r -> !result.repositories().contains(r)).toList();
        tracked = result.repositories();
        progress.tracked(tracked);
        LOG.info("discovery: {} repositories tracked{}{}", tracked.size(), added.isEmpty() ? "" : ", new: " + added,
                removed.isEmpty() ? "" : ", no longer listed (not polled any more, their counts stay): " + removed);
        return result.failures().stream()
                .map(f -> new RepositoryReport("discovery", Outcome.FAILED, 0, 0, 0, f.requests(), 0, 0, f.message())).toList();
    }

    private RepositoryReport pollRepository(RepositoryName repo, RepositoryListingPoller.Counts counts, List<String> endpoints) {
        TransactionalPublisher.Writer writer = publisher.writer();
        long requestsBefore = client.requestsSent(repo.fullName());
        // What the report says was published is what committed transactions hold, whatever happened after.
        java.util.function.BiFunction<Outcome, String, RepositoryReport> report = (outcome, message) -> new RepositoryReport(
                repo.fullName(), outcome, writer.committedCommits(), writer.committedIssues(),
                counts.malformed, client.requestsSent(repo.fullName()) - requestsBefore, counts.notModified, counts.missing, message);
        try {
            Outcome failure = null;
            String failureMessage = null;
            try {
                identities.admit(repo);
            } catch (RepositoryUnavailableException e) {
                return report.apply(e.outcome(), e.getMessage()); // another name of a repository counted elsewhere (admit logs it once)
            } catch (GitHubApiException e) {
                // Without its id a first backfill could count a renamed repository twice: the listings wait for the next poll.
                LOG.error("{} not read: its repository id could not be read ({}); will retry at the next poll", repo, e.getMessage());
                return report.apply(Outcome.FAILED, "repository id: " + e.getMessage());
            }
            for (String endpoint : endpoints) {
                // One listing's failure never cancels the other: an empty or unreadable commits listing still lets issues count.
                stopIfClosed();
                try {
                    poller.poll(repo, endpoint, counts, writer);
                } catch (RepositoryUnavailableException | GitHubApiException e) {
                    commitWhatWasRead(repo, writer);
                    // A GitHub App missing on the owner is logged once per owner by GitHubAppInstallations, not per listing and poll.
                    (e instanceof GitHubAppInstallations.NotInstalledException ? LOG.atDebug() : LOG.atError())
                            .log("{} {} not read: {}; its cursor stays where the last complete page put it", repo, endpoint, e.getMessage());
                    if (failure == null) {
                        failure = e instanceof RepositoryUnavailableException u ? u.outcome() : Outcome.FAILED;
                        failureMessage = endpoint + ": " + e.getMessage();
                    }
                }
            }
            stopIfClosed();
            writer.commitIfDue(true);
            if (failure == null && (counts.malformed > 0 || counts.missing > 0)) {
                failure = Outcome.INCOMPLETE;
                failureMessage = counts.malformed > 0
                        ? counts.malformed + " malformed page(s) or item(s) skipped (see the log); the next full read "
                                + "(--full-reread-interval " + config.fullRereadInterval() + ") reads them again"
                        : counts.missing + " item(s) without a field the counts need (see the log): counted as unknown, not as false";
            }
            RepositoryReport result = report.apply(failure == null ? Outcome.INGESTED : failure, failureMessage);
            if (failure == null) {
                LOG.info("{}", result); // the one line per repository and poll (failures log their own line)
            }
            return result;
        } catch (GitHubUnreachableException e) {
            commitWhatWasRead(repo, writer);
            LOG.error("{}: {}", repo, e.getMessage());
            return report.apply(Outcome.UNREACHABLE, e.getMessage());
        } catch (GitHubAuthenticationException e) {
            abortQuietly(e, writer);
            throw e;
        } catch (InterruptedException e) {
            // Stopped (close() ends every wait this way) or interrupted: abort first, the client refuses to while the flag is set.
            abortQuietly(e, writer);
            if (!closed) {
                Thread.currentThread().interrupt();
            }
            LOG.info("{}: {}; the open transaction, if any, was aborted and the next run reads these pages again", repo,
                    closed ? "stopped" : "interrupted");
            return report.apply(Outcome.FAILED, closed ? "stopped" : "interrupted");
        } catch (TransactionalPublisher.CommitInDoubtException e) {
            LOG.warn("{}: {}", repo, e.getMessage());
            if (!closed) {
                throw e;
            }
            return report.apply(Outcome.FAILED, "stopped");
        } catch (TransactionalPublisher.AbortedElsewhereException e) {
            // Its pages went with a transaction another repository's failure (or a stop) aborted: nothing of it is lost.
            if (closed) {
                LOG.info("{}: stopped; {}", repo, e.getMessage());
                return report.apply(Outcome.FAILED, "stopped");
            }
            LOG.error("{}: {}; will retry at the next poll", repo, e.getMessage());
            return report.apply(Outcome.FAILED, "Kafka: " + e.getMessage());
        } catch (KafkaException e) {
            if (TransactionalPublisher.isFatal(e) || !abortQuietly(e, writer)) {
                LOG.error("{}: the Kafka producer cannot go on ({}); stopping. Its open transaction, if any, is aborted by the "
                        + "broker or the next producer with this transactional.id", repo, e.toString());
                throw e;
            }
            // The transaction (events and cursor) is gone, so the cursor did not move: the next poll reads these pages again.
            LOG.error("{}: publishing to Kafka failed, the open transaction was aborted; will retry at the next poll", repo, e);
            return report.apply(Outcome.FAILED, "Kafka: " + e);
        } catch (RuntimeException e) {
            // A bug or an unexpected answer must not stop the other repositories, nor move this one's cursor.
            if (!abortQuietly(e, writer)) {
                throw e;
            }
            LOG.error("{}: unexpected failure, the open transaction was aborted; will retry at the next poll", repo, e);
            return report.apply(Outcome.FAILED, e.toString());
        }
    }

    /** Ends a poll that close() overtook: its open transaction is aborted, not committed. */
    private void stopIfClosed() throws InterruptedException {
        if (closed) {
            throw new InterruptedException("stopped");
        }
    }

    /**
     * Aborts the open transaction if it holds records of this writer (other repositories' records in it are read again
     * at their next poll); false when even that fails (the producer is unusable).
     */
    private boolean abortQuietly(Throwable cause, TransactionalPublisher.Writer writer) {
        try {
            writer.abort();
            return true;
        } catch (RuntimeException abortFailure) {
            if (abortFailure != cause) {
                cause.addSuppressed(abortFailure);
            }
            return false;
        }
    }

    /** Pages read before a failure are complete, with their cursor: keep them. */
    private void commitWhatWasRead(RepositoryName repo, TransactionalPublisher.Writer writer) {
        try {
            writer.commitIfDue(true);
        } catch (KafkaException e) {
            if (TransactionalPublisher.isFatal(e) || e instanceof TransactionalPublisher.CommitInDoubtException
                    || e instanceof TransactionalPublisher.AbortedElsewhereException || !abortQuietly(e, writer)) {
                throw e;
            }
            LOG.error("{}: could not commit the pages read before the failure; the next poll reads them again", repo, e);
        }
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

    /**
     * Stops at once: every wait ends (a rate-limit sleep until a reset an hour away, a retry backoff, the poll
     * interval, a GitHub request in flight, the retries of a commit that timed out), the open transaction is aborted
     * (its pages are read again next time; committed ones are not), and the Kafka producer is closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop.countDown();
        client.close(); // ends the client's sleeps and calls in every thread, the poll's and the prefetcher's
        try {
            if (looping) {
                loopDone.await(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            pollers.shutdownNow();
            prefetcher.shutdownNow();
            if (publisher.inTransaction()) {
                try {
                    publisher.abort();
                } catch (RuntimeException e) {
                    LOG.debug("aborting the open transaction at close failed; the broker aborts it at its timeout", e);
                }
            }
            publisher.close();
            metrics.close();
        }
        LOG.info("producer stopped");
    }

    Duration pollInterval() {
        return config.pollInterval();
    }
}
