package dev.ghactivity.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.schemas.IssueEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a complete full read of a repository's issues, asks GitHub about each number it knew but no longer
 * listed. Only an explicit answer removes one: 410 Gone or 404 (deleted), a redirect or an item of another
 * repository (transferred) publish a tombstone; an issue still there (a listing paged by offset skips an item
 * whenever one before it is updated mid-read) is published again. Anything else leaves the number for the
 * next full read.
 */
final class VanishedIssuesCheck {
    private static final Logger LOG = LoggerFactory.getLogger(VanishedIssuesCheck.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many requests per full read; the rest wait for the next one (rate limits first). */
    static final int MAX_CHECKS = 1000;

    private final GitHubClient client;

    VanishedIssuesCheck(GitHubClient client) {
        this.client = client;
    }

    /** Checks the {@code unlisted} numbers, publishing through {@code publisher}; returns those that are gone (tombstoned), to forget. */
    BitSet check(String repo, BitSet unlisted, Instant now, RepositoryListingPoller.Counts counts, TransactionalPublisher.Writer publisher)
            throws InterruptedException {
        BitSet gone = new BitSet();
        List<Long> tombstones = new ArrayList<>();
        List<IssueEvent> stillThere = new ArrayList<>();
        int checked = 0;
        for (int n = unlisted.nextSetBit(0); n >= 0 && checked < MAX_CHECKS; n = unlisted.nextSetBit(n + 1)) {
            checked++;
            HttpUrl url = client.issueUrl(repo, n);
            try {
                GitHubPage page = client.get(url, null, repo);
                if (belongsTo(page.body(), repo)) {
                    GitHubItemParser.Parsed<IssueEvent> parsed = GitHubItemParser.issues(repo, asListing(page.body()), now);
                    stillThere.addAll(parsed.events());
                } else {
                    tombstones.add((long) n);
                    gone.set(n);
                }
            } catch (RepositoryUnavailableException e) {
                if (e.status() == 404 || e.status() == 410 || (e.status() >= 300 && e.status() < 400)) {
                    tombstones.add((long) n);
                    gone.set(n);
                } else {
                    LOG.warn("{}: #{} is no longer listed and GitHub answered {}; asking again at the next full read", repo, n, e.status());
                }
            } catch (MalformedPageException e) {
                LOG.warn("{}: #{} is no longer listed and its own page is malformed ({}); asking again at the next full read",
                        repo, n, e.getMessage());
            }
        }
        publisher.issues(stillThere);
        publisher.issuesGone(repo, tombstones);
        counts.events += stillThere.size() + tombstones.size();
        LOG.info("{} issues: {} issues or PRs known but no longer listed, {} checked: {} deleted or transferred (removed from "
                + "the counts), {} still there (published again){}", repo, unlisted.cardinality(), checked, tombstones.size(),
                stillThere.size(), checked < unlisted.cardinality() ? "; the rest at the next full read" : "");
        return gone;
    }

    /** False only when the item says it lives in another repository (a transfer answered with its new home). */
    private static boolean belongsTo(byte[] body, String repo) {
        try {
            JsonNode repositoryUrl = JSON.readTree(body).path("repository_url");
            return !repositoryUrl.isTextual()
                    || repositoryUrl.asText().toLowerCase(Locale.ROOT).endsWith("/repos/" + repo.toLowerCase(Locale.ROOT));
        } catch (IOException e) {
            return true; // the parser reports the malformed item
        }
    }

    private static byte[] asListing(byte[] item) {
        byte[] listing = new byte[item.length + 2];
        listing[0] = '[';
        System.arraycopy(item, 0, listing, 1, item.length);
        listing[listing.length - 1] = ']';
        return listing;
    }
}
