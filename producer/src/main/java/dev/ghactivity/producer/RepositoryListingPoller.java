package dev.ghactivity.producer;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one listing (commits or issues) of one repository from its cursor: a backfill follows every
 * {@code Link rel="next"} from the first page (resuming at the stored URL after a crash); later polls ask
 * for {@code since} = cursor minus the overlap window with the stored ETag, so an unchanged listing costs
 * one free 304.
 */
final class RepositoryListingPoller {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryListingPoller.class);
    private static final int MALFORMED_PAGE_RETRIES = 2;
    private static final dev.ghactivity.schemas.AvroSerde<CommitEvent> COMMITS = dev.ghactivity.schemas.AvroSerdes.commitEvent();
    private static final dev.ghactivity.schemas.AvroSerde<IssueEvent> ISSUES = dev.ghactivity.schemas.AvroSerdes.issueEvent();

    /** Counters of one listing poll. */
    static final class Counts {
        long events;
        long malformed;
        long requests;
        long notModified;
        long unchanged;
    }

    private final ProducerAppConfig config;
    private final GitHubClient client;
    private final TransactionalPublisher publisher;
    private final IngestCursorStore cursors;
    private final BooleanSupplier stopRequested;
    private final ExecutorService prefetcher;
    private final VanishedIssuesCheck vanished;

    RepositoryListingPoller(ProducerAppConfig config, GitHubClient client, TransactionalPublisher publisher,
                            IngestCursorStore cursors, BooleanSupplier stopRequested, ExecutorService prefetcher) {
        this.config = config;
        this.client = client;
        this.publisher = publisher;
        this.cursors = cursors;
        this.stopRequested = stopRequested;
        this.prefetcher = prefetcher;
        this.vanished = new VanishedIssuesCheck(client, publisher);
    }

    /** Polls one listing, adding to {@code counts} as it goes (so a failure still shows what was done before it). */
    Counts poll(RepositoryName repo, String endpoint, Counts counts) throws InterruptedException {
        String repoName = repo.fullName();
        IngestCursor cursor = cursors.get(RecordKeys.cursor(repoName, endpoint));
        boolean commits = endpoint.equals(RecordKeys.COMMITS_ENDPOINT);

        HttpUrl url;
        String ifNoneMatch = null;
        boolean fullReread = false;
        Instant newest = cursor == null ? null : cursor.getSince();
        long published = 0;
        HttpUrl resume = cursor == null || cursor.getResumeUrl() == null ? null : HttpUrl.parse(cursor.getResumeUrl());
        Instant previousFullReadAt = cursor == null ? null : cursor.getLastFullReadAt();
        Instant lastFullReadAt = previousFullReadAt;
        if (resume != null && GitHubClient.sameOrigin(resume, config.githubApiUrl())) {
            url = resume;
            published = cursor.getItemsPublished();
            LOG.info("{} {}: resuming the backfill at {}", repoName, endpoint, GitHubClient.describe(url));
        } else {
            fullReread = cursor != null && fullRereadDue(lastFullReadAt);
            List<String> query = new ArrayList<>(List.of("per_page", String.valueOf(config.perPage())));
            if (!commits) {
                query.addAll(List.of("state", "all", "sort", "updated", "direction", "asc"));
            }
            if (cursor != null && cursor.getSince() != null && !fullReread) {
                query.addAll(List.of("since", cursor.getSince().minus(config.overlap()).toString()));
            }
            if (cursor != null && !fullReread) {
                // Also for a listing that was empty (no since yet): an unchanged empty listing then costs a free 304 too.
                ifNoneMatch = cursor.getEtag();
            }
            url = client.listingUrl(repoName, endpoint, query.toArray(String[]::new));
            if (cursor == null) {
                LOG.info("{} {}: first run, backfilling the whole history", repoName, endpoint);
                lastFullReadAt = config.clock().instant();
            } else if (fullReread) {
                LOG.info("{} {}: reading the whole listing again (last full read {}, --full-reread-interval {}), {}", repoName, endpoint,
                        lastFullReadAt == null ? "before this version" : lastFullReadAt, config.fullRereadInterval(), commits
                                ? "for old-dated commits pushed without a merge commit or by a force push"
                                : "for issues skipped while the listing shifted, deleted or transferred");
                lastFullReadAt = config.clock().instant();
            }
        }

        String firstPageEtag = cursor == null ? null : cursor.getEtag();
        Instant previousSince = cursor == null ? null : cursor.getSince();
        RecentItems recent = new RecentItems(cursor == null ? null : cursor.getRecentItems(), config.overlap());
        // Issues: the numbers known to exist, and those a full read started here lists (null otherwise).
        BitSet known = commits || cursor == null ? new BitSet() : BitSet.valueOf(cursor.getKnownNumbers());
        BitSet listed = !commits && fullReread ? new BitSet() : null;
        // Commits: the newest commit whose whole history is published, and this listing's newest when it differs
        // (then compared after the listing: since cannot see commits of a merged branch dated before it).
        boolean wholeHistory = cursor == null || fullReread;
        String previousHead = cursor == null ? null : cursor.getHeadSha();
        String headSha = previousHead;
        String newHeadSha = null;
        Set<String> listedShas = new HashSet<>();
        IngestCursor written = null;
        boolean everyItemRead = true;
        boolean firstPage = true;
        int pageNumber = 0;
        long events = 0; // of this listing (counts may span several)
        Future<GitHubPage> prefetched = null;
        try {
            while (url != null) {
                GitHubPage page;
                try {
                    page = prefetched != null ? await(prefetched) : client.get(url, firstPage ? ifNoneMatch : null, repoName);
                } catch (RepositoryUnavailableException e) {
                    if ((firstPage && resume == null) || e.status() != 404) {
                        throw e; // the listing itself is not there: the repository is skipped
                    }
                    prefetched = null;
                    counts.requests++;
                    // Commits: a full read cut short did not happen, the next poll may need to do it again. Issues: the next
                    // poll goes on from the newest read, so the listing ends up covered.
                    endAtDeadLink(repoName, endpoint, url, commits, newest, previousSince, firstPageEtag, published + events, recent,
                            commits ? previousFullReadAt : lastFullReadAt, known, commits && wholeHistory ? previousHead : headSha);
                    return counts;
                }
                prefetched = null;
                counts.requests++;
                pageNumber++;
                // A body that is not a JSON array is often a proxy's error page: ask again before giving up on it.
                for (int retry = 0; retry < MALFORMED_PAGE_RETRIES && !page.notModified() && !GitHubItemParser.looksLikeArray(page.body()); retry++) {
                    LOG.warn("{} {}: page {} is not a JSON array; fetching it again", repoName, endpoint, GitHubClient.describe(url));
                    page = client.get(url, null, repoName);
                    counts.requests++;
                }
                if (page.notModified()) {
                    counts.notModified++;
                    LOG.debug("{} {}: not modified since the last poll (304, free of rate limit)", repoName, endpoint);
                    return counts;
                }
                if (firstPage && resume == null) {
                    firstPageEtag = page.etag();
                }
                // Fetch the next page while this one is parsed and published: the round trip is half the cost.
                HttpUrl upcoming = page.next();
                if (upcoming != null && !stopRequested.getAsBoolean()) {
                    prefetched = prefetcher.submit(() -> client.get(upcoming, null, repoName));
                }
                Instant now = config.clock().instant();
                try {
                    if (commits) {
                        GitHubItemParser.Parsed<CommitEvent> parsed = GitHubItemParser.commits(repoName, page.body(), now);
                        newest = max(newest, parsed.newest());
                        if (firstPage && resume == null && !parsed.events().isEmpty()) {
                            String top = parsed.events().get(0).getSha();
                            if (wholeHistory || headSha == null) {
                                headSha = top;
                            } else if (!top.equals(headSha)) {
                                newHeadSha = top;
                            }
                        }
                        if (newHeadSha != null) {
                            parsed.events().forEach(e -> listedShas.add(e.getSha()));
                        }
                        List<CommitEvent> changed = new ArrayList<>(parsed.events().size());
                        for (CommitEvent e : parsed.events()) {
                            if (!skipUnchanged(recent, RecordKeys.commit(repoName, e.getSha()), e.getCommitterDate(), newest, previousSince,
                                    () -> contentHash(e), counts)) {
                                changed.add(e);
                            }
                        }
                        publisher.commits(changed);
                        events += changed.size();
                        skipped(repoName, url, parsed.malformed(), counts);
                    } else {
                        GitHubItemParser.Parsed<IssueEvent> parsed = GitHubItemParser.issues(repoName, page.body(), now);
                        newest = max(newest, parsed.newest());
                        List<IssueEvent> changed = new ArrayList<>(parsed.events().size());
                        for (IssueEvent e : parsed.events()) {
                            remember(e.getNumber(), known, listed);
                            if (!skipUnchanged(recent, RecordKeys.issue(repoName, e.getNumber()), e.getUpdatedAt(), newest, previousSince,
                                    () -> contentHash(e), counts)) {
                                changed.add(e);
                            }
                        }
                        publisher.issues(changed);
                        events += changed.size();
                        skipped(repoName, url, parsed.malformed(), counts);
                        everyItemRead &= parsed.malformed().isEmpty();
                    }
                } catch (MalformedPageException e) {
                    everyItemRead = false;
                    counts.malformed++;
                    LOG.error("{} {}: skipping malformed page {} after {} attempts: {}; its items are missing until the next full "
                            + "read (--full-reread-interval {}), or delete the cursor {} on {} to backfill again now", repoName, endpoint,
                            GitHubClient.describe(url), MALFORMED_PAGE_RETRIES + 1, e.getMessage(), config.fullRereadInterval(),
                            RecordKeys.cursor(repoName, endpoint), dev.ghactivity.schemas.Topics.INGEST_STATE);
                }
                HttpUrl next = page.next();
                if (next == null && listed != null && everyItemRead) {
                    BitSet unlisted = (BitSet) known.clone();
                    unlisted.andNot(listed);
                    if (!unlisted.isEmpty()) {
                        known.andNot(vanished.check(repoName, unlisted, now, counts));
                    }
                }
                written = cursorOf(repoName, endpoint, recent, newest, now, lastFullReadAt, known, headSha)
                        .setSince(newest)
                        .setEtag(firstPageEtag)
                        .setResumeUrl(next == null ? null : next.toString())
                        .setItemsPublished(published + events)
                        .build();
                publisher.cursor(written);
                publisher.commitIfDue(next == null);
                if (pageNumber % 10 == 0 || next == null) {
                    // INFO: progress of a long listing; its last page is in the repository's poll line (GitHubActivityProducer).
                    (next == null ? LOG.atDebug() : LOG.atInfo()).log("{} {}: page {}, {} items so far, {} requests left", repoName,
                            endpoint, pageNumber, published + events, page.rateLimitRemaining() < 0 ? "?" : page.rateLimitRemaining());
                }
                if (next != null && stopRequested.getAsBoolean()) {
                    publisher.commitIfDue(true);
                    LOG.info("{} {}: stopping; the next run resumes at page {}", repoName, endpoint, pageNumber + 1);
                    return counts;
                }
                url = next;
                firstPage = false;
            }
            if (newHeadSha != null && written != null) {
                events += publishComparison(repoName, headSha, newHeadSha, listedShas, written, counts);
            }
            return counts;
        } finally {
            counts.events += events;
            if (prefetched != null) {
                prefetched.cancel(true); // stopped or failed: the page will be fetched again next time
            }
        }
    }

    /**
     * A {@code Link: next} URL (or the stored resume URL) answered 404, as GitHub's pagination does once it has
     * expired: the listing ends here, keeping what was read, instead of failing the repository at the same dead
     * URL on every poll. Issues are listed by {@code updated} ascending, so the next poll goes on from the newest
     * one read. Commits are listed newest first, so what lies behind the dead link is older than anything read:
     * the cursor keeps the previous {@code since} and no ETag, and the next poll reads those pages again (what
     * was published already is replaced under its key, not counted twice).
     */
    private void endAtDeadLink(String repoName, String endpoint, HttpUrl url, boolean commits, Instant newest, Instant previousSince,
                               String firstPageEtag, long published, RecentItems recent, Instant lastFullReadAt, BitSet known,
                               String headSha) {
        publisher.cursor(cursorOf(repoName, endpoint, recent, newest, config.clock().instant(), lastFullReadAt, known, headSha)
                .setSince(commits ? previousSince : newest)
                .setEtag(commits ? null : firstPageEtag)
                .setResumeUrl(null)
                .setItemsPublished(published)
                .build());
        publisher.commitIfDue(true);
        LOG.warn("{} {}: the next page {} answered 404; ending this listing with the {} items read{}", repoName, endpoint,
                GitHubClient.describe(url), published, commits ? "; the next poll reads the older commits again" : "");
    }

    /**
     * Publishes the commits between {@code base}, the newest commit whose history is published, and {@code head},
     * this poll's newest, that the {@code since} listing did not show: the commits of a branch merged with a merge
     * commit keep their own, older dates, so {@code since} cannot see them. Then the cursor's head moves to
     * {@code head}. A 404 (the old head is gone, e.g. after a force push) moves it too, leaving those commits to the
     * next full read; a malformed page keeps the old head, so the next poll compares again.
     */
    private long publishComparison(String repoName, String base, String head, Set<String> listedShas,
                                   IngestCursor cursor, Counts counts) throws InterruptedException {
        HttpUrl url = client.compareUrl(repoName, base, head, config.perPage());
        long published = 0;
        boolean complete = true;
        while (url != null && !stopRequested.getAsBoolean()) {
            GitHubPage page;
            try {
                page = client.get(url, null, repoName);
            } catch (RepositoryUnavailableException e) {
                if (e.status() != 404) {
                    throw e;
                }
                counts.requests++;
                LOG.warn("{} commits: GitHub cannot compare {}...{} (404: the older commit is gone, e.g. after a force push); "
                        + "commits of merged branches dated before the cursor wait for the next full read (--full-reread-interval {})",
                        repoName, abbreviate(base), abbreviate(head), config.fullRereadInterval());
                url = null; // nothing to compare with: move on to the new head
                break;
            }
            counts.requests++;
            try {
                GitHubItemParser.Parsed<CommitEvent> parsed = GitHubItemParser.comparedCommits(repoName, page.body(), config.clock().instant());
                List<CommitEvent> unseen = parsed.events().stream().filter(e -> !listedShas.contains(e.getSha())).toList();
                publisher.commits(unseen);
                published += unseen.size();
                skipped(repoName, url, parsed.malformed(), counts);
            } catch (MalformedPageException e) {
                complete = false;
                counts.malformed++;
                LOG.error("{} commits: malformed comparison page {}: {}; the next poll compares again", repoName,
                        GitHubClient.describe(url), e.getMessage());
                break;
            }
            url = page.next();
        }
        complete &= url == null;
        publisher.cursor(IngestCursor.newBuilder(cursor)
                .setHeadSha(complete ? head : base)
                .setItemsPublished(cursor.getItemsPublished() + published)
                .setLastRunAt(config.clock().instant())
                .build());
        publisher.commitIfDue(true);
        if (published > 0) {
            LOG.info("{} commits: {} more commit(s) between {} and {} that since did not list (a merged branch dated earlier)",
                    repoName, published, abbreviate(base), abbreviate(head));
        }
        return published;
    }

    private static String abbreviate(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }

    /** A cursor of this listing with what every cursor write carries; the caller sets where the listing stands. */
    private static IngestCursor.Builder cursorOf(String repoName, String endpoint, RecentItems recent, Instant newest, Instant now,
                                                 Instant lastFullReadAt, BitSet known, String headSha) {
        return IngestCursor.newBuilder()
                .setHeadSha(headSha)
                .setRepo(repoName).setEndpoint(endpoint)
                .setRecentItems(recent.window(newest))
                .setLastRunAt(now)
                .setLastFullReadAt(lastFullReadAt)
                .setKnownNumbers(ByteBuffer.wrap(known.toByteArray()));
    }

    private static void remember(long number, BitSet known, BitSet listed) {
        if (number >= 0 && number < Integer.MAX_VALUE) {
            known.set((int) number);
            if (listed != null) {
                listed.set((int) number);
            }
        }
    }

    /** Whether the listing is due to be read in full again; never when the interval is zero. */
    private boolean fullRereadDue(Instant lastFullReadAt) {
        if (config.fullRereadInterval().isZero()) {
            return false;
        }
        return lastFullReadAt == null || !config.clock().instant().isBefore(lastFullReadAt.plus(config.fullRereadInterval()));
    }

    /** Remembers items inside the overlap window and tells whether this one is unchanged since the last poll. */
    private static boolean skipUnchanged(RecentItems recent, String key, Instant at, Instant newest, Instant previousSince,
                                         java.util.function.LongSupplier hash, Counts counts) {
        if (!recent.mayMatter(at, newest, previousSince)) {
            return false;
        }
        long h = hash.getAsLong();
        recent.seen(key, h, at, newest);
        if (recent.unchanged(key, h)) {
            counts.unchanged++;
            return true;
        }
        return false;
    }

    private static long contentHash(CommitEvent e) {
        CommitEvent copy = CommitEvent.newBuilder(e).setIngestedAt(Instant.EPOCH).build();
        return RecentItems.hash(COMMITS.encode(copy));
    }

    private static long contentHash(IssueEvent e) {
        IssueEvent copy = IssueEvent.newBuilder(e).setIngestedAt(Instant.EPOCH).build();
        return RecentItems.hash(ISSUES.encode(copy));
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

    private static void skipped(String repo, HttpUrl url, List<String> malformed, Counts counts) {
        if (!malformed.isEmpty()) {
            counts.malformed += malformed.size();
            LOG.warn("{}: skipped {} malformed item(s) of {}: {}", repo, malformed.size(), GitHubClient.describe(url),
                    String.join("; ", malformed.subList(0, Math.min(5, malformed.size()))));
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
