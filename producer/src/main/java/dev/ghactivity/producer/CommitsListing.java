package dev.ghactivity.producer;

import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.RecordKeys;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How commits are polled: {@code GET /repos/{o}/{r}/commits} (newest first) with {@code since} = cursor minus the
 * overlap. {@code since} cannot see commits of a branch merged with a merge commit (they keep their own, older
 * dates), so the cursor also keeps the newest commit whose whole history is published (its head), and when a poll
 * lists a new head the commits between the two are asked for ({@code compare/{base}...{head}}).
 */
final class CommitsListing implements ListingKind {
    private static final Logger LOG = LoggerFactory.getLogger(CommitsListing.class);
    private static final AvroSerde<CommitEvent> COMMITS = AvroSerdes.commitEvent();
    private static final ByteBuffer NO_NUMBERS = ByteBuffer.wrap(new byte[0]);

    private final ListingState state;
    private final ProducerAppConfig config;
    private final GitHubClient client;
    private final TransactionalPublisher.Writer publisher;
    private final BooleanSupplier stopRequested;
    /** Whether this poll lists the whole history (first run or full read): then its newest commit is the head. */
    private final boolean wholeHistory;
    private final String previousHead;
    private String headSha;
    /** This listing's newest commit when it differs from the head: compared with it once the listing is read. */
    private String newHeadSha;
    private final Set<String> listedShas = new HashSet<>();
    /** Whether the head probe named the head (then the listing's first item does not). */
    private boolean probed;

    CommitsListing(ListingState state, ProducerAppConfig config, GitHubClient client, TransactionalPublisher.Writer publisher,
                   BooleanSupplier stopRequested) {
        this.state = state;
        this.config = config;
        this.client = client;
        this.publisher = publisher;
        this.stopRequested = stopRequested;
        this.wholeHistory = state.cursor == null || state.fullReread;
        this.previousHead = state.cursor == null ? null : state.cursor.getHeadSha();
        this.headSha = previousHead;
        if (wholeHistory) {
            state.firstPageEtag = null; // the ETag kept is the head probe's: the next poll probes afresh
        }
    }

    /** The commits listing is never asked conditionally: its ETag covers one page, the head probe covers the branch. */
    @Override
    public boolean conditionalListing() {
        return false;
    }

    /**
     * 409 "Git Repository is empty.": a repository without commits (docs.github.com/rest/commits/commits#list-commits
     * lists 409 Conflict). Its issues are listed all the same.
     */
    @Override
    public boolean emptyListing(RepositoryUnavailableException e) {
        return e.status() == 409;
    }

    /**
     * Asks for the newest commit of the default branch ({@code commits?per_page=1}) with the ETag of the last such
     * answer: 304 (free of rate limit) when the branch did not move, and nothing else is read. Otherwise its SHA is
     * the new head, whatever the {@code since} listing shows: a commit dated in the future, or commits pushed on top
     * with older dates, cannot hide a moved branch from this question.
     */
    @Override
    public boolean mayHaveChanged(RepositoryListingPoller.Counts counts) throws InterruptedException {
        if (wholeHistory || state.resume != null) {
            return true;
        }
        HttpUrl probe = client.listingUrl(state.repoName, state.endpoint, "per_page", "1");
        GitHubPage page = client.get(probe, state.cursor.getEtag(), state.repoName);
        if (page.notModified()) {
            counts.notModified++;
            LOG.debug("{} commits: the newest commit did not change since the last poll (304, free of rate limit)", state.repoName);
            return false;
        }
        state.firstPageEtag = page.etag();
        String top;
        try {
            GitHubItemParser.Parsed<CommitEvent> parsed = GitHubItemParser.commits(state.repoName, page.body(), config.clock().instant());
            top = parsed.events().isEmpty() ? null : parsed.events().get(0).getSha();
        } catch (MalformedPageException e) {
            top = null; // the listing itself says what changed
        }
        probed = true;
        if (top == null || previousHead == null) {
            headSha = top != null ? top : headSha;
            return true;
        }
        if (top.equals(previousHead)) {
            // Same head, another ETag (e.g. an author's profile changed): keep the new ETag for the next probe.
            publisher.cursor(IngestCursor.newBuilder(state.cursor).setEtag(page.etag()).setLastRunAt(config.clock().instant()).build());
            publisher.commitIfDue(true);
            LOG.debug("{} commits: the newest commit did not change since the last poll", state.repoName);
            return false;
        }
        newHeadSha = top;
        return true;
    }

    @Override
    public String[] query() {
        return new String[0];
    }

    @Override
    public String fullReadReason() {
        return "for old-dated commits pushed without a merge commit or by a force push";
    }

    @Override
    public void publish(GitHubPage page, Instant now, RepositoryListingPoller.Counts counts) throws MalformedPageException {
        GitHubItemParser.Parsed<CommitEvent> parsed = GitHubItemParser.commits(state.repoName, page.body(), now);
        state.sawNewest(parsed.newest(), now);
        if (!probed && state.atFirstPageOfListing() && !parsed.events().isEmpty()) {
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
            if (!state.skipUnchanged(RecordKeys.commit(state.repoName, e.getSha()), e.getCommitterDate(), () -> contentDigest(e), counts)) {
                changed.add(e);
            }
        }
        publisher.commits(changed);
        state.events += changed.size();
        RepositoryListingPoller.skipped(state.repoName, page.url(), parsed.malformed(), counts);
        state.everyItemRead &= parsed.malformed().isEmpty();
        RepositoryListingPoller.missing(state.repoName, page.url(), parsed.missing(), counts);
    }

    @Override
    public void lastPageRead(Instant now, RepositoryListingPoller.Counts counts) {
        // nothing to check at the end of the listing itself
    }

    @Override
    public IngestCursor.Builder cursor(Instant now) {
        return state.cursorBuilder(now, state.lastFullReadAt).setHeadSha(headSha).setKnownNumbers(NO_NUMBERS);
    }

    /**
     * Commits are listed newest first, so what lies behind a dead link is older than anything read: the cursor keeps
     * the previous {@code since} and no ETag, and the next poll reads those pages again (what was published already is
     * replaced under its key, not counted twice). A full read cut short did not happen: its head is not taken.
     */
    @Override
    public IngestCursor cursorAtDeadLink(Instant now) {
        return state.cursorBuilder(now, state.previousFullReadAt)
                .setHeadSha(wholeHistory ? previousHead : headSha)
                .setKnownNumbers(NO_NUMBERS)
                .setSince(state.previousSince)
                .setEtag(null)
                .setResumeUrl(null)
                .setItemsPublished(state.published + state.events)
                .build();
    }

    @Override
    public String afterDeadLink() {
        return "; the next poll reads the older commits again";
    }

    @Override
    public void listingRead(RepositoryListingPoller.Counts counts) throws InterruptedException {
        if (newHeadSha != null && state.written != null) {
            state.events += publishComparison(headSha, newHeadSha, state.written, counts);
        }
    }

    /**
     * Publishes the commits between {@code base}, the newest commit whose history is published, and {@code head},
     * this poll's newest, that the {@code since} listing did not show: the commits of a branch merged with a merge
     * commit keep their own, older dates, so {@code since} cannot see them. Then the cursor's head moves to
     * {@code head}. A 404 (the old head is gone, e.g. after a force push) moves it too, leaving those commits to the
     * next full read; a malformed page keeps the old head, so the next poll compares again.
     */
    private long publishComparison(String base, String head, IngestCursor cursor, RepositoryListingPoller.Counts counts)
            throws InterruptedException {
        String repoName = state.repoName;
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
                LOG.warn("{} commits: GitHub cannot compare {}...{} (404: the older commit is gone, e.g. after a force push); "
                        + "commits of merged branches dated before the cursor wait for the next full read (--full-reread-interval {})",
                        repoName, abbreviate(base), abbreviate(head), config.fullRereadInterval());
                url = null; // nothing to compare with: move on to the new head
                break;
            }
            try {
                GitHubItemParser.Parsed<CommitEvent> parsed = GitHubItemParser.comparedCommits(repoName, page.body(), config.clock().instant());
                List<CommitEvent> unseen = parsed.events().stream().filter(e -> !listedShas.contains(e.getSha())).toList();
                publisher.commits(unseen);
                published += unseen.size();
                RepositoryListingPoller.skipped(repoName, url, parsed.malformed(), counts);
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

    private static String contentDigest(CommitEvent e) {
        CommitEvent copy = CommitEvent.newBuilder(e).setIngestedAt(Instant.EPOCH).build();
        return RecentItems.digest(COMMITS.encode(copy));
    }
}
