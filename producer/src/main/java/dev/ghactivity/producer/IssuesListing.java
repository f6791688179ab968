package dev.ghactivity.producer;

import dev.ghactivity.schemas.AvroSerde;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * How issues (and pull requests) are polled: {@code GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=asc},
 * so the newest {@code updated_at} read is where the next poll starts. The numbers known to exist are kept in the
 * cursor; after a complete full read, those no longer listed are asked about one by one ({@link VanishedIssuesCheck}).
 */
final class IssuesListing implements ListingKind {
    private static final AvroSerde<IssueEvent> ISSUES = AvroSerdes.issueEvent();

    private final ListingState state;
    private final TransactionalPublisher.Writer publisher;
    private final VanishedIssuesCheck vanished;
    /** The numbers known to exist. */
    private final BitSet known;
    /** The numbers a full read started here lists; null when this poll is not a full read. */
    private final BitSet listed;

    IssuesListing(ListingState state, TransactionalPublisher.Writer publisher, VanishedIssuesCheck vanished) {
        this.state = state;
        this.publisher = publisher;
        this.vanished = vanished;
        this.known = state.cursor == null ? new BitSet() : BitSet.valueOf(state.cursor.getKnownNumbers());
        this.listed = state.fullReread ? new BitSet() : null;
    }

    @Override
    public String[] query() {
        return new String[] {"state", "all", "sort", "updated", "direction", "asc"};
    }

    @Override
    public boolean conditionalListing() {
        return true;
    }

    /**
     * 410 with "Issues are disabled for this repo": the repository has no issues to list (GitHub answers 410 Gone for
     * the issues of a repository whose issues are turned off, docs.github.com/rest/issues/issues#list-repository-issues).
     */
    @Override
    public boolean emptyListing(RepositoryUnavailableException e) {
        return e.status() == 410 && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("disabled");
    }

    @Override
    public String fullReadReason() {
        return "for issues skipped while the listing shifted, deleted or transferred";
    }

    @Override
    public void publish(GitHubPage page, Instant now, RepositoryListingPoller.Counts counts) throws MalformedPageException {
        GitHubItemParser.Parsed<IssueEvent> parsed = GitHubItemParser.issues(state.repoName, page.body(), now);
        state.sawNewest(parsed.newest(), now);
        List<IssueEvent> changed = new ArrayList<>(parsed.events().size());
        for (IssueEvent e : parsed.events()) {
            remember(e.getNumber());
            if (!state.skipUnchanged(RecordKeys.issue(state.repoName, e.getNumber()), e.getUpdatedAt(), () -> contentDigest(e), counts)) {
                changed.add(e);
            }
        }
        publisher.issues(changed);
        state.events += changed.size();
        RepositoryListingPoller.skipped(state.repoName, page.url(), parsed.malformed(), counts);
        RepositoryListingPoller.missing(state.repoName, page.url(), parsed.missing(), counts);
        state.everyItemRead &= parsed.malformed().isEmpty();
    }

    @Override
    public void lastPageRead(Instant now, RepositoryListingPoller.Counts counts) throws InterruptedException {
        if (listed != null && state.everyItemRead) {
            BitSet unlisted = (BitSet) known.clone();
            unlisted.andNot(listed);
            if (!unlisted.isEmpty()) {
                known.andNot(vanished.check(state.repoName, unlisted, now, counts, publisher));
            }
        }
    }

    @Override
    public IngestCursor.Builder cursor(Instant now) {
        return state.cursorBuilder(now, state.lastFullReadAt)
                .setHeadSha(state.cursor == null ? null : state.cursor.getHeadSha())
                .setKnownNumbers(ByteBuffer.wrap(known.toByteArray()));
    }

    /** Issues are listed by {@code updated} ascending, so the next poll goes on from the newest one read. */
    @Override
    public IngestCursor cursorAtDeadLink(Instant now) {
        return cursor(now)
                .setSince(state.newest)
                .setEtag(state.firstPageEtag)
                .setResumeUrl(null)
                .setItemsPublished(state.published + state.events)
                .build();
    }

    @Override
    public String afterDeadLink() {
        return "";
    }

    @Override
    public void listingRead(RepositoryListingPoller.Counts counts) {
        // nothing needs the whole listing
    }

    private void remember(long number) {
        if (number >= 0 && number < Integer.MAX_VALUE) {
            known.set((int) number);
            if (listed != null) {
                listed.set((int) number);
            }
        }
    }

    private static String contentDigest(IssueEvent e) {
        IssueEvent copy = IssueEvent.newBuilder(e).setIngestedAt(Instant.EPOCH).build();
        return RecentItems.digest(ISSUES.encode(copy));
    }
}
