package dev.ghactivity.producer;

import dev.ghactivity.producer.IngestReport.Outcome;
import dev.ghactivity.schemas.RepositoryName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each tracked repository stands, for the log (at most every {@value #LOG_EVERY_SECONDS} s) and for other parts
 * to serve ({@link #snapshot()}, immutable values): per listing the pages and items read so far, the total pages when
 * GitHub's {@code Link rel="last"} gives it, a percentage and an ETA (the pace of this process so far). Thread-safe.
 */
public final class IngestProgress {
    private static final Logger LOG = LoggerFactory.getLogger(IngestProgress.class);
    static final int LOG_EVERY_SECONDS = 10;

    /** A repository's state: tracked and not polled yet, reading a listing page by page, read to its end, or failing. */
    public enum State {
        DISCOVERED, BACKFILLING, UP_TO_DATE, FAILING;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * One listing of one repository.
     *
     * @param page       the page read last (its {@code page} number in the listing; 1-based)
     * @param totalPages from {@code Link rel="last"}, or -1 when not known
     * @param items      items read and published so far in this listing run (a resumed backfill included)
     * @param percent    page / totalPages * 100, or -1 when the total is not known
     * @param eta        the time left at the pace of this process so far, or null when not known
     */
    public record ListingProgress(String listing, long page, long totalPages, long items, double percent, Duration eta, boolean done) {
    }

    /**
     * One repository.
     *
     * @param lastSuccessfulPoll when its last poll read every listing completely, or null
     * @param reason             why it is failing (the report's message), or null
     */
    public record RepositoryProgress(String repo, State state, Instant lastSuccessfulPoll, String reason, List<ListingProgress> listings) {
    }

    private static final class Listing {
        long page;
        long totalPages = -1;
        long items;
        long pagesHere;
        Instant startedAt;
        boolean done;
    }

    private static final class Repository {
        State state = State.DISCOVERED;
        Instant lastSuccessfulPoll;
        String reason;
        final Map<String, Listing> listings = new LinkedHashMap<>();
    }

    private final Clock clock;
    private final Map<String, Repository> repositories = new LinkedHashMap<>();
    private Instant lastLog = Instant.MIN;

    IngestProgress(Clock clock) {
        this.clock = clock;
    }

    /** The repositories tracked now: new ones are {@code discovered}, those no longer tracked are dropped. */
    synchronized void tracked(List<RepositoryName> tracked) {
        List<String> names = tracked.stream().map(RepositoryName::fullName).toList();
        repositories.keySet().retainAll(names);
        names.forEach(name -> repositories.computeIfAbsent(name, n -> new Repository()));
    }

    /** A page of a listing was read and published; logs where the backfills stand when the last such line is old enough. */
    synchronized void page(String repo, String listing, GitHubPage page, long items, boolean last) {
        Repository r = repositories.computeIfAbsent(repo, n -> new Repository());
        Listing l = r.listings.computeIfAbsent(listing, n -> new Listing());
        Instant now = clock.instant();
        if (l.done || l.startedAt == null) {
            l.startedAt = now;
            l.pagesHere = 0;
            l.done = false;
        }
        l.page = parsePage(page);
        l.totalPages = last ? l.page : page.lastPage() > 0 ? page.lastPage() : l.totalPages;
        l.items = items;
        l.pagesHere++;
        l.done = last;
        if (!last && r.state != State.FAILING) {
            r.state = State.BACKFILLING;
        }
        if (!now.isBefore(lastLog.plusSeconds(LOG_EVERY_SECONDS))) {
            lastLog = now;
            repositories.forEach((name, repository) -> repository.listings.forEach((kind, listingProgress) -> {
                if (!listingProgress.done) {
                    LOG.info("progress: {} {}", name, describe(kind, view(kind, listingProgress, now)));
                }
            }));
        }
    }

    /** A poll of the repository ended (a slice of a backfill, or a whole poll). */
    synchronized void polled(String repo, Outcome outcome, String message, boolean unfinished) {
        Repository r = repositories.computeIfAbsent(repo, n -> new Repository());
        if (outcome != Outcome.INGESTED) {
            r.state = State.FAILING;
            r.reason = message;
        } else if (unfinished) {
            r.state = State.BACKFILLING;
            r.reason = null;
        } else {
            r.state = State.UP_TO_DATE;
            r.reason = null;
            r.lastSuccessfulPoll = clock.instant();
            r.listings.values().forEach(l -> l.done = true);
        }
    }

    /** Every tracked repository, in tracking order. */
    public synchronized List<RepositoryProgress> snapshot() {
        Instant now = clock.instant();
        List<RepositoryProgress> result = new ArrayList<>();
        repositories.forEach((name, r) -> {
            List<ListingProgress> listings = new ArrayList<>();
            r.listings.forEach((kind, l) -> listings.add(view(kind, l, now)));
            result.add(new RepositoryProgress(name, r.state, r.lastSuccessfulPoll, r.reason, List.copyOf(listings)));
        });
        return List.copyOf(result);
    }

    /** One repository, or null when it is not tracked. */
    public RepositoryProgress of(String repo) {
        return snapshot().stream().filter(p -> p.repo().equals(repo)).findFirst().orElse(null);
    }

    private static ListingProgress view(String kind, Listing l, Instant now) {
        double percent = l.totalPages > 0 ? Math.min(100.0, 100.0 * l.page / l.totalPages) : -1;
        Duration eta = null;
        if (l.done) {
            eta = Duration.ZERO;
        } else if (l.totalPages > 0 && l.pagesHere > 0 && l.startedAt != null) {
            long left = Math.max(0, l.totalPages - l.page);
            eta = Duration.between(l.startedAt, now).multipliedBy(left).dividedBy(l.pagesHere);
        }
        return new ListingProgress(kind, l.page, l.totalPages, l.items, percent, eta, l.done);
    }

    private static String describe(String kind, ListingProgress p) {
        return kind + ": page " + p.page() + (p.totalPages() > 0 ? " of " + p.totalPages() + String.format(Locale.ROOT, " (%.1f %%)", p.percent()) : "")
                + ", " + p.items() + " items" + (p.eta() == null ? "" : ", ETA " + p.eta().toSeconds() + " s");
    }

    private static long parsePage(GitHubPage page) {
        String number = page.url().queryParameter("page");
        try {
            return number == null ? 1 : Long.parseLong(number);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
