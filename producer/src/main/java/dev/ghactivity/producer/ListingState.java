package dev.ghactivity.producer;

import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.RecordKeys;
import java.time.Instant;
import java.util.function.Supplier;
import okhttp3.HttpUrl;

/**
 * Where one poll of one listing stands, shared by the paging loop ({@link RepositoryListingPoller}) and the
 * listing kind ({@link CommitsListing}, {@link IssuesListing}): the cursor it started from, the newest item
 * date read, the first page's ETag, the content hashes of the overlap window and what was published so far.
 */
final class ListingState {
    /** How far ahead of this machine's clock GitHub's or a committer's clock may be before a date counts as wrong. */
    static final java.time.Duration CLOCK_SKEW = java.time.Duration.ofMinutes(5);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ListingState.class);
    private boolean futureLogged;
    final String repoName;
    final String endpoint;
    /** The cursor this poll started from; null on the first run. */
    final IngestCursor cursor;
    final RecentItems recent;
    final Instant previousSince;
    final Instant previousFullReadAt;
    /** The stored resume URL this poll continues a backfill at, or null. */
    HttpUrl resume;
    boolean fullReread;
    Instant lastFullReadAt;
    Instant newest;
    String firstPageEtag;
    /** Items published by earlier polls of a backfill this poll resumes. */
    long published;
    /** Items published by this poll of this listing. */
    long events;
    boolean everyItemRead = true;
    boolean firstPage = true;
    int pageNumber;
    /** GitHub's id of the repository, written into every cursor ({@link RepositoryIdentities}); null if unknown. */
    Long repositoryId;
    /** The last cursor this poll wrote, or null. */
    IngestCursor written;

    ListingState(String repoName, String endpoint, IngestCursor cursor, java.time.Duration overlap, Instant now) {
        this.repoName = repoName;
        this.endpoint = endpoint;
        this.cursor = cursor;
        // A cursor written before dates were capped may lie in the future: cap it too.
        this.newest = cursor == null || cursor.getSince() == null ? null
                : cursor.getSince().isAfter(now.plus(CLOCK_SKEW)) ? now.plus(CLOCK_SKEW) : cursor.getSince();
        this.previousSince = this.newest;
        this.previousFullReadAt = cursor == null ? null : cursor.getLastFullReadAt();
        this.lastFullReadAt = previousFullReadAt;
        this.firstPageEtag = cursor == null ? null : cursor.getEtag();
        this.recent = new RecentItems(cursor == null ? null : cursor.getRecentItems(), overlap);
    }

    /** Whether this is the first page of a listing read from its start (not resumed). */
    boolean atFirstPageOfListing() {
        return firstPage && resume == null;
    }

    /**
     * Moves the cursor to the newest item date of a page, but never past {@code now} plus {@link #CLOCK_SKEW}: an item
     * dated in the future (a committer's wrong clock) would otherwise make every later {@code since} skip what is
     * pushed until that date.
     */
    void sawNewest(Instant itemsNewest, Instant now) {
        if (itemsNewest == null) {
            return;
        }
        Instant latest = now.plus(CLOCK_SKEW);
        if (itemsNewest.isAfter(latest)) {
            if (!futureLogged) {
                futureLogged = true;
                LOG.info("{} {}: an item is dated {}, after the current time; the cursor stops at {} (now + {})", repoName, endpoint,
                        itemsNewest, latest, CLOCK_SKEW);
            }
            itemsNewest = latest;
        }
        newest = newest == null || itemsNewest.isAfter(newest) ? itemsNewest : newest;
    }

    /** Remembers an item inside the overlap window and tells whether it is unchanged since the last poll. */
    boolean skipUnchanged(String key, Instant at, Supplier<String> digest, RepositoryListingPoller.Counts counts) {
        if (!recent.mayMatter(at, newest, previousSince)) {
            return false;
        }
        String h = digest.get();
        recent.seen(key, h, at, newest);
        if (recent.unchanged(key, h)) {
            counts.unchanged++;
            return true;
        }
        return false;
    }

    /**
     * {@code last_full_read_at} of a cursor whose listing skipped a malformed page or item: a full read is owed, and the
     * next poll reads the whole listing again whatever {@code --full-reread-interval} says, so the items skipped are
     * read as soon as GitHub answers them well, and the repository stays {@code incomplete} until then (a later run
     * that reads nothing new must not exit 0 while they are missing).
     */
    static final Instant FULL_READ_OWED = Instant.EPOCH;

    /** A cursor of this listing with what every cursor write carries; the caller sets where the listing stands. */
    IngestCursor.Builder cursorBuilder(Instant now, Instant fullReadAt) {
        return IngestCursor.newBuilder()
                .setRepo(repoName).setEndpoint(endpoint)
                .setRecentItems(recent.window(newest))
                .setLastRunAt(now)
                .setLastFullReadAt(everyItemRead ? fullReadAt : FULL_READ_OWED)
                .setRepositoryId(repositoryId);
    }

    String cursorKey() {
        return RecordKeys.cursor(repoName, endpoint);
    }
}
