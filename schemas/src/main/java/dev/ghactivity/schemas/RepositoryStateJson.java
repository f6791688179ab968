package dev.ghactivity.schemas;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The JSON form of a {@link RepositoryState}, the one the query API ({@code GET /repos}, the {@code 202} of
 * {@code GET /repos/{o}/{n}/months}) and the producer's own {@code GET /repos} answer:
 * <pre>{@code {"repo": "o/n", "state": "backfilling", "reason": null, "last_successful_poll": null,
 *  "reported_at": "2026-11-29T17:00:00Z", "listings": [{"listing": "commits", "page": 12, "total_pages": 40,
 *  "items": 1200, "percent": 30.0, "eta_seconds": 95, "done": false}]}}</pre>
 * {@code state} is {@code discovered}, {@code backfilling}, {@code up to date} or {@code failing}; instants are
 * ISO-8601; a value not known is {@code null}, never 0 or false.
 */
public final class RepositoryStateJson {
    private RepositoryStateJson() {
    }

    /** {@code UP_TO_DATE} -> {@code up to date}. */
    public static String stateName(IngestStateKind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    public static ObjectNode toJson(RepositoryState s) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("repo", s.getRepo());
        putState(node, s);
        return node;
    }

    /** Adds every field but {@code repo} to {@code node} (the query API's {@code /repos} entries hold the counts too). */
    public static ObjectNode putState(ObjectNode node, RepositoryState s) {
        node.put("state", stateName(s.getState()));
        node.put("reason", s.getReason());
        node.put("last_successful_poll", s.getLastSuccessfulPoll() == null ? null : s.getLastSuccessfulPoll().toString());
        node.put("reported_at", s.getReportedAt().toString());
        ArrayNode listings = node.putArray("listings");
        for (ListingIngestProgress l : s.getListings()) {
            listings.addObject().put("listing", l.getListing()).put("page", l.getPage()).put("total_pages", l.getTotalPages())
                    .put("items", l.getItems()).put("percent", l.getPercent()).put("eta_seconds", l.getEtaSeconds())
                    .put("done", l.getDone());
        }
        return node;
    }
}
