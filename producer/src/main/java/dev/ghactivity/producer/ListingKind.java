package dev.ghactivity.producer;

import dev.ghactivity.schemas.IngestCursor;
import java.time.Instant;

/**
 * What one kind of listing (commits, issues) does with its pages; the paging itself (pages, prefetch, retries
 * of malformed pages, 304, dead links, cursor writes) is {@link RepositoryListingPoller}'s. One instance per poll,
 * over that poll's {@link ListingState}.
 */
interface ListingKind {
    /** The query parameters of the first page besides {@code per_page} and {@code since}, as name, value pairs. */
    String[] query();

    /** Why this kind is read in full every {@code --full-reread-interval}, for the log. */
    String fullReadReason();

    /**
     * Whether the stored ETag is the first page's of a listing that fitted on that page, so a conditional request for
     * it may answer 304 for the whole listing; false when the kind asks about changes otherwise.
     */
    boolean conditionalListing();

    /** Before the listing: false when the listing cannot have changed since the last poll (nothing to read). */
    default boolean mayHaveChanged(RepositoryListingPoller.Counts counts) throws InterruptedException {
        return true;
    }

    /** Whether GitHub's answer says the listing is empty (not that it failed): 0 items, a complete listing. */
    boolean emptyListing(RepositoryUnavailableException e);

    /** Parses and publishes one page (200) of the listing. */
    void publish(GitHubPage page, Instant now, RepositoryListingPoller.Counts counts) throws MalformedPageException, InterruptedException;

    /** The last page was read (no {@code Link: next}), before its cursor is written. */
    void lastPageRead(Instant now, RepositoryListingPoller.Counts counts) throws InterruptedException;

    /** The cursor after a page, with this kind's own fields; the poller sets since, ETag and resume URL. */
    IngestCursor.Builder cursor(Instant now);

    /** The cursor when a next page answered 404 (expired pagination): the listing ends with what was read. */
    IngestCursor cursorAtDeadLink(Instant now);

    /** What the next poll does after a dead link, for the log ("" when nothing special). */
    String afterDeadLink();

    /** Every page was read: work that needs the whole listing (e.g. comparing heads). */
    void listingRead(RepositoryListingPoller.Counts counts) throws InterruptedException;
}
