package dev.ghactivity.producer;

import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pages through one listing (commits or issues) of one repository from its cursor; what each kind does with
 * its pages is in {@link CommitsListing} and {@link IssuesListing}: a backfill follows every
 * {@code Link rel="next"} from the first page (resuming at the stored URL after a crash); later polls ask
 * for {@code since} = cursor minus the overlap window with the stored ETag, so an unchanged listing costs
 * one free 304.
 */
final class RepositoryListingPoller {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryListingPoller.class);
    private static final int MALFORMED_PAGE_RETRIES = 2;

    /** Counters of one listing poll. */
    static final class Counts {
        long events;
        long malformed;
        /** Fields items left out that a count needs (see {@link GitHubItemParser.Parsed#missing()}). */
        long missing;
        long notModified;
        long unchanged;
        /** Listings that stopped after their slice of pages ({@code backfillSlicePages}) to let others go; they resume next time. */
        final java.util.Set<String> yielded = new java.util.LinkedHashSet<>();
    }

    private final ProducerAppConfig config;
    private final GitHubClient client;
    private final IngestCursorStore cursors;
    private final BooleanSupplier stopRequested;
    private final ExecutorService prefetcher;
    private final VanishedIssuesCheck vanished;
    private final RepositoryMoves moves;
    private final IngestProgress progress;

    private final RepositoryIdentities identities;

    RepositoryListingPoller(ProducerAppConfig config, GitHubClient client, IngestCursorStore cursors, BooleanSupplier stopRequested,
                            ExecutorService prefetcher, IngestProgress progress, RepositoryIdentities identities) {
        this.identities = identities;
        this.progress = progress;
        this.config = config;
        this.client = client;
        this.cursors = cursors;
        this.stopRequested = stopRequested;
        this.prefetcher = prefetcher;
        this.vanished = new VanishedIssuesCheck(client);
        this.moves = new RepositoryMoves(client, identities);
    }

    /**
     * Polls one listing, adding to {@code counts} as it goes (so a failure still shows what was done before it), publishing
     * through {@code publisher}. Thread-safe: several repositories are polled at once, each with a writer of its own.
     */
    Counts poll(RepositoryName repo, String endpoint, Counts counts, TransactionalPublisher.Writer publisher) throws InterruptedException {
        String repoName = repo.fullName();
        IngestCursor cursor = cursors.get(RecordKeys.cursor(repoName, endpoint));
        Long repositoryId = identities.knownId(repo);
        if (cursor != null && cursor.getRepositoryId() == null && repositoryId != null) {
            // A cursor from before the field: it gets the id now, even if the listing turns out unchanged (a 304 writes none).
            cursor = IngestCursor.newBuilder(cursor).setRepositoryId(repositoryId).build();
            publisher.cursor(cursor);
        }
        ListingState state = new ListingState(repoName, endpoint, cursor, config.overlap(), config.clock().instant());
        state.repositoryId = repositoryId;
        HttpUrl resume = cursor == null || cursor.getResumeUrl() == null ? null : HttpUrl.parse(cursor.getResumeUrl());
        if (resume != null && GitHubClient.sameOrigin(resume, config.githubApiUrl())) {
            state.resume = resume;
            state.published = cursor.getItemsPublished();
        } else {
            state.fullReread = cursor != null && (ListingState.FULL_READ_OWED.equals(state.lastFullReadAt) || fullRereadDue(state.lastFullReadAt));
        }
        ListingKind kind = endpoint.equals(RecordKeys.COMMITS_ENDPOINT)
                ? new CommitsListing(state, config, client, publisher, stopRequested)
                : new IssuesListing(state, publisher, vanished);
        HttpUrl url = state.resume != null ? state.resume : firstPage(state, kind);
        // A 304 proves only the page it answers: conditional only where the stored ETag was a whole listing's.
        String ifNoneMatch = state.resume == null && cursor != null && !state.fullReread && kind.conditionalListing() ? cursor.getEtag() : null;
        if (state.resume != null) {
            LOG.info("{} {}: resuming the backfill at {}", repoName, endpoint, GitHubClient.describe(url));
        }
        Future<GitHubPage> prefetched = null;
        try {
            if (!mayHaveChanged(state, kind, counts, publisher)) {
                return counts;
            }
            while (url != null) {
                GitHubPage page;
                try {
                    page = prefetched != null ? await(prefetched) : client.get(url, state.firstPage ? ifNoneMatch : null, repoName);
                } catch (RepositoryUnavailableException e) {
                    if (state.atFirstPageOfListing() && kind.emptyListing(e)) {
                        endEmpty(state, kind, e, publisher);
                        return counts;
                    }
                    if (state.atFirstPageOfListing() || e.status() != 404) {
                        throw e; // the listing itself cannot be read: the cursor stays where the last complete page put it
                    }
                    prefetched = null;
                    endAtDeadLink(state, kind, url, publisher);
                    return counts;
                } catch (GitHubApiException e) {
                    HttpUrl smaller = e.serverTimeout() ? smallerPage(url) : null;
                    if (smaller == null) {
                        throw e;
                    }
                    prefetched = null;
                    LOG.warn("{} {}: {}; asking for the same items in smaller pages ({}), as GitHub advises for requests "
                            + "that time out", repoName, endpoint, e.getMessage(), GitHubClient.describe(smaller));
                    url = smaller;
                    continue;
                }
                prefetched = null;
                state.pageNumber++;
                page = refetchIfNotAnArray(state, page);
                if (page.notModified()) {
                    counts.notModified++;
                    LOG.debug("{} {}: not modified since the last poll (304, free of rate limit)", repoName, endpoint);
                    return counts;
                }
                if (state.atFirstPageOfListing()) {
                    if (kind.conditionalListing()) {
                        state.firstPageEtag = page.next() == null ? page.etag() : null;
                    }
                    if (page.redirectedTo() != null) {
                        moves.moved(repo, endpoint, page.redirectedTo());
                    }
                }
                // Fetch the next page while this one is parsed and published: the round trip is half the cost.
                HttpUrl upcoming = page.next();
                if (upcoming != null && !stopRequested.getAsBoolean() && state.pageNumber < config.backfillSlicePages()) {
                    prefetched = prefetcher.submit(() -> client.get(upcoming, null, repoName));
                }
                Instant now = config.clock().instant();
                publish(state, kind, page, now, counts);
                HttpUrl next = page.next();
                if (next == null) {
                    kind.lastPageRead(now, counts);
                }
                writeCursor(state, kind, page, now, publisher);
                if (next != null && stopRequested.getAsBoolean()) {
                    LOG.info("{} {}: stopping at page {}; the next run resumes after the last committed page", repoName, endpoint,
                            state.pageNumber);
                    return counts;
                }
                if (next != null && state.pageNumber >= config.backfillSlicePages()) {
                    // Fairness: a long listing goes on in slices so the other repositories' polls are not held up behind it.
                    publisher.commitIfDue(true);
                    counts.yielded.add(endpoint);
                    return counts;
                }
                url = next;
                state.firstPage = false;
            }
            kind.listingRead(counts);
            return counts;
        } finally {
            counts.events += state.events;
            if (prefetched != null) {
                prefetched.cancel(true); // stopped or failed: the page will be fetched again next time
            }
        }
    }

    /** Asks the kind whether there can be anything new; an empty listing by GitHub's own answer ends it complete. */
    private boolean mayHaveChanged(ListingState state, ListingKind kind, Counts counts, TransactionalPublisher.Writer publisher)
            throws InterruptedException {
        try {
            return kind.mayHaveChanged(counts);
        } catch (RepositoryUnavailableException e) {
            if (!kind.emptyListing(e)) {
                throw e;
            }
            endEmpty(state, kind, e, publisher);
            return false;
        }
    }

    /** A body that is not a JSON array is often a proxy's error page: asked for again before giving up on it. */
    private GitHubPage refetchIfNotAnArray(ListingState state, GitHubPage page) throws InterruptedException {
        for (int retry = 0; retry < MALFORMED_PAGE_RETRIES && !page.notModified() && !GitHubItemParser.looksLikeArray(page.body()); retry++) {
            LOG.warn("{} {}: page {} is not a JSON array; fetching it again", state.repoName, state.endpoint, GitHubClient.describe(page.url()));
            page = client.get(page.url(), null, state.repoName);
        }
        return page;
    }

    /** Hands the page to its kind; a malformed page is logged, counted and skipped (the listing is then not complete). */
    private void publish(ListingState state, ListingKind kind, GitHubPage page, Instant now, Counts counts) throws InterruptedException {
        try {
            kind.publish(page, now, counts);
        } catch (MalformedPageException e) {
            state.everyItemRead = false;
            counts.malformed++;
            LOG.error("{} {}: skipping malformed page {} after {} attempts: {}; its items are missing until the next poll, "
                    + "which reads the whole listing again (the repository stays incomplete until then)", state.repoName,
                    state.endpoint, GitHubClient.describe(page.url()), MALFORMED_PAGE_RETRIES + 1, e.getMessage());
        }
    }

    /** The cursor after a page: where the listing stands, and the next page to resume at (none after the last). */
    private void writeCursor(ListingState state, ListingKind kind, GitHubPage page, Instant now, TransactionalPublisher.Writer publisher) {
        HttpUrl next = page.next();
        state.written = kind.cursor(now)
                .setSince(state.newest)
                .setEtag(state.firstPageEtag)
                .setResumeUrl(next == null ? null : next.toString())
                .setItemsPublished(state.published + state.events)
                .build();
        publisher.cursor(state.written);
        publisher.commitIfDue(next == null);
        progress.page(state.repoName, state.endpoint, page, state.published + state.events, next == null);
        if (state.pageNumber % 10 == 0 || next == null) {
            // INFO: progress of a long listing; its last page is in the repository's poll line (GitHubActivityProducer).
            (next == null ? LOG.atDebug() : LOG.atInfo()).log("{} {}: page {}, {} items so far, {} requests left", state.repoName,
                    state.endpoint, state.pageNumber, state.published + state.events,
                    page.rateLimitRemaining() < 0 ? "?" : page.rateLimitRemaining());
        }
    }

    /** The first page of a listing read from its start: the whole listing, or since the cursor minus the overlap. */
    private HttpUrl firstPage(ListingState state, ListingKind kind) {
        IngestCursor cursor = state.cursor;
        List<String> query = new ArrayList<>(List.of("per_page", String.valueOf(config.perPage())));
        query.addAll(List.of(kind.query()));
        if (state.previousSince != null && !state.fullReread) {
            query.addAll(List.of("since", state.previousSince.minus(config.overlap()).toString()));
        }
        if (cursor == null) {
            LOG.info("{} {}: first run, backfilling the whole history", state.repoName, state.endpoint);
            state.lastFullReadAt = config.clock().instant();
        } else if (state.fullReread) {
            if (ListingState.FULL_READ_OWED.equals(state.lastFullReadAt)) {
                LOG.info("{} {}: reading the whole listing again: an earlier poll skipped a malformed page or item", state.repoName,
                        state.endpoint);
            } else {
                LOG.info("{} {}: reading the whole listing again (last full read {}, --full-reread-interval {}), {}", state.repoName,
                        state.endpoint, state.lastFullReadAt == null ? "before this version" : state.lastFullReadAt,
                        config.fullRereadInterval(), kind.fullReadReason());
            }
            state.lastFullReadAt = config.clock().instant();
        }
        return client.listingUrl(state.repoName, state.endpoint, query.toArray(String[]::new));
    }

    /**
     * A {@code Link: next} URL (or the stored resume URL) answered 404, as GitHub's pagination does once it has
     * expired: the listing ends here, keeping what was read, instead of failing the repository at the same dead
     * URL on every poll. Where the next poll starts depends on the kind ({@link ListingKind#cursorAtDeadLink}).
     */
    private void endAtDeadLink(ListingState state, ListingKind kind, HttpUrl url, TransactionalPublisher.Writer publisher) {
        publisher.cursor(kind.cursorAtDeadLink(config.clock().instant()));
        publisher.commitIfDue(true);
        LOG.warn("{} {}: the next page {} answered 404; ending this listing with the {} items read{}", state.repoName, state.endpoint,
                GitHubClient.describe(url), state.published + state.events, kind.afterDeadLink());
    }

    /** The listing is empty by GitHub's own answer (an empty repository's commits, disabled issues): 0 items, complete. */
    private void endEmpty(ListingState state, ListingKind kind, RepositoryUnavailableException e, TransactionalPublisher.Writer publisher) {
        Instant now = config.clock().instant();
        state.written = kind.cursor(now).setSince(state.newest).setEtag(null).setResumeUrl(null).setItemsPublished(0).build();
        publisher.cursor(state.written);
        publisher.commitIfDue(true);
        LOG.info("{} {}: no {} to list: {}", state.repoName, state.endpoint, state.endpoint, e.getMessage());
    }

    /**
     * The same items in pages half as large: {@code per_page=p&page=n} starts at item {@code (n-1)p}, which is page
     * {@code 2n-1} of {@code per_page=p/2}. Null when the URL does not page by number or {@code p} is odd or below 20.
     */
    static HttpUrl smallerPage(HttpUrl url) {
        String perPage = url.queryParameter("per_page");
        String page = url.queryParameter("page");
        try {
            int p = perPage == null ? 30 : Integer.parseInt(perPage); // GitHub's default page size
            int n = page == null ? 1 : Integer.parseInt(page);
            if (p < 20 || p % 2 != 0 || n < 1) {
                return null;
            }
            return url.newBuilder().setQueryParameter("per_page", String.valueOf(p / 2)).setQueryParameter("page", String.valueOf(2 * n - 1)).build();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether the listing is due to be read in full again; never when the interval is zero. */
    private boolean fullRereadDue(Instant lastFullReadAt) {
        if (config.fullRereadInterval().isZero()) {
            return false;
        }
        return lastFullReadAt == null || !config.clock().instant().isBefore(lastFullReadAt.plus(config.fullRereadInterval()));
    }

    /** The prefetched page, with the fetch's own exception as if the call had been made here. */
    private static GitHubPage await(Future<GitHubPage> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof InterruptedException ie) {
                throw ie;
            }
            throw new GitHubApiException("prefetch failed: " + cause, cause);
        }
    }

    static void skipped(String repo, HttpUrl url, List<String> malformed, Counts counts) {
        if (!malformed.isEmpty()) {
            counts.malformed += malformed.size();
            LOG.warn("{}: skipped {} malformed item(s) of {}: {}", repo, malformed.size(), GitHubClient.describe(url),
                    String.join("; ", malformed.subList(0, Math.min(5, malformed.size()))));
        }
    }

    /** Items published with a field GitHub left out: logged and counted as missing, never read as false or zero. */
    static void missing(String repo, HttpUrl url, List<String> missing, Counts counts) {
        if (!missing.isEmpty()) {
            counts.missing += missing.size();
            LOG.warn("{}: {} item(s) of {} leave out a field the counts need (published with it unknown, not as false): {}", repo,
                    missing.size(), GitHubClient.describe(url), String.join("; ", missing.subList(0, Math.min(5, missing.size()))));
        }
    }
}
