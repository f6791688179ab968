package dev.ghactivity.producer;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import java.io.IOException;
import java.time.Instant;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns one listing page into events, item by item: a malformed item (no sha or number, a missing or
 * unparsable date) is counted and skipped, the rest of the page still counts.
 */
public final class GitHubItemParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectReader COMMIT_READER = JSON.readerFor(CommitItem.class);
    private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{7,64}");
    private static final int MAX_HEADLINE = 500;
    private static final int MAX_TITLE = 1000;

    private GitHubItemParser() {
    }

    /**
     * Events of one page, the malformed items skipped, the newest cursor date (committer date / updated_at) seen, and
     * the fields some items leave out that a count needs (published all the same, with the field unknown: null).
     */
    public record Parsed<T>(List<T> events, List<String> malformed, Instant newest, List<String> missing) {
        Parsed(List<T> events, List<String> malformed, Instant newest) {
            this(events, malformed, newest, List.of());
        }
    }

    /** Commits of a commits listing; one without {@code parents} is published with its count unknown (listed as missing). */
    public static Parsed<CommitEvent> commits(String repo, byte[] body, Instant ingestedAt) throws MalformedPageException {
        List<CommitEvent> events = new ArrayList<>(100);
        List<String> malformed = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Instant newest = null;
        int index = 0;
        try (JsonParser parser = JSON.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new MalformedPageException("body is not a JSON array of items", null);
            }
            if (parser.nextToken() == JsonToken.END_ARRAY) {
                return new Parsed<>(events, malformed, null); // an empty listing: the iterator would take ']' for an item
            }
            // The iterator resynchronises after an item that fails to bind: one bad item never costs the page.
            MappingIterator<CommitItem> items = COMMIT_READER.readValues(parser);
            while (true) {
                CommitItem item;
                try {
                    if (!items.hasNextValue()) {
                        break;
                    }
                    item = items.nextValue();
                } catch (RuntimeException | IOException e) {
                    if (e instanceof JsonParseException) {
                        throw new MalformedPageException("body is not JSON (" + body.length + " bytes): "
                                + e.getMessage().lines().findFirst().orElse(""), e);
                    }
                    malformed.add("item " + index++ + ": " + e.getMessage().lines().findFirst().orElse(""));
                    continue;
                }
                try {
                    CommitEvent event = commitEvent(repo, item, ingestedAt);
                    events.add(event);
                    if (item.parents == null) {
                        missing.add(event.getSha() + ": parents");
                    }
                    newest = newest == null || event.getCommitterDate().isAfter(newest) ? event.getCommitterDate() : newest;
                } catch (RuntimeException e) {
                    malformed.add("item " + index + ": " + e.getMessage());
                }
                index++;
            }
        } catch (JsonParseException e) {
            throw new MalformedPageException("body is not JSON (" + body.length + " bytes): " + e.getMessage().lines().findFirst().orElse(""), e);
        } catch (IOException e) {
            throw new MalformedPageException("unreadable body: " + e.getMessage(), e);
        }
        return new Parsed<>(events, malformed, newest, missing);
    }

    private static CommitEvent commitEvent(String repo, CommitItem item, Instant ingestedAt) {
        String sha = item == null || item.sha == null ? "" : item.sha;
        if (!isSha(sha)) {
            throw new IllegalArgumentException("no valid sha");
        }
        CommitItem.Commit commit = item.commit == null ? new CommitItem.Commit() : item.commit;
        CommitItem.Signature author = commit.author == null ? new CommitItem.Signature() : commit.author;
        Instant authorDate = date(author.date);
        Instant committerDate = commit.committer == null ? null : date(commit.committer.date);
        if (authorDate == null && committerDate == null) {
            throw new IllegalArgumentException("commit " + sha + " has neither author nor committer date");
        }
        authorDate = authorDate == null ? committerDate : authorDate;
        committerDate = committerDate == null ? authorDate : committerDate;
        String message = commit.message == null ? "" : commit.message;
        int newline = message.indexOf('\n');
        return CommitEvent.newBuilder()
                .setRepo(repo).setSha(sha.toLowerCase(java.util.Locale.ROOT))
                .setAuthorName(author.name)
                .setAuthorEmail(author.email)
                .setAuthorLogin(item.author == null ? null : item.author.login)
                .setAuthorDate(authorDate).setCommitterDate(committerDate)
                .setMessageHeadline(truncate(newline < 0 ? message : message.substring(0, newline), MAX_HEADLINE))
                .setParentsCount(item.parents == null ? 0 : item.parents.size())
                .setHtmlUrl(item.htmlUrl)
                .setIngestedAt(ingestedAt)
                .build();
    }

    private static Instant date(String text) {
        if (text == null) {
            return null;
        }
        try {
            return GitHubTimestamps.parse(text);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unparsable date '" + truncate(text, 40) + "'");
        }
    }

    /**
     * Issues and pull requests of an issues listing. A field an older API version or an Enterprise server leaves out
     * (rather than setting it to null) is never read as a value: a closed issue without {@code closed_at}, a closed
     * pull request whose {@code pull_request} object has no {@code merged_at}, an item without {@code state}, or
     * without {@code pull_request} although its {@code html_url} is a pull request's, is published with what is
     * known and listed in {@link Parsed#missing()}.
     */
    public static Parsed<IssueEvent> issues(String repo, byte[] body, Instant ingestedAt) throws MalformedPageException {
        JsonNode items = array(body);
        List<IssueEvent> events = new ArrayList<>(items.size());
        List<String> malformed = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Instant newest = null;
        int index = 0;
        for (JsonNode item : items) {
            try {
                JsonNode number = item.get("number");
                if (number == null || !number.canConvertToLong() || number.asLong() <= 0) {
                    throw new IllegalArgumentException("no valid number");
                }
                Instant created = date(item.get("created_at"), true);
                Instant updated = date(item.get("updated_at"), false);
                updated = updated == null ? created : updated;
                JsonNode pr = item.get("pull_request");
                // Old API versions put a pull_request object with null URLs on plain issues.
                boolean isPullRequest = pr != null && pr.isObject() && (nonNull(pr.get("url")) || nonNull(pr.get("html_url")));
                String state = item.path("state").asText("unknown");
                String htmlUrl = text(item.get("html_url"));
                if (pr == null && htmlUrl != null && htmlUrl.contains("/pull/")) {
                    isPullRequest = true; // its html_url says what the left-out pull_request would have
                    missing.add("#" + number.asLong() + ": pull_request (a pull request by its html_url; merged_at unknown)");
                } else if (isPullRequest && state.equals("closed") && !pr.has("merged_at")) {
                    missing.add("#" + number.asLong() + ": pull_request.merged_at (closed; merged or not is unknown)");
                }
                if (!item.has("state")) {
                    missing.add("#" + number.asLong() + ": state");
                } else if (!isPullRequest && state.equals("closed") && !item.has("closed_at")) {
                    missing.add("#" + number.asLong() + ": closed_at (closed; its month is unknown)");
                }
                List<String> labels = new ArrayList<>();
                item.path("labels").forEach(l -> labels.add(l.isTextual() ? l.asText() : l.path("name").asText("")));
                events.add(IssueEvent.newBuilder()
                        .setRepo(repo).setNumber(number.asLong()).setIsPullRequest(isPullRequest)
                        .setState(state)
                        .setTitle(truncate(item.path("title").asText(""), MAX_TITLE))
                        .setUserLogin(text(item.at("/user/login")))
                        .setCreatedAt(created).setUpdatedAt(updated)
                        .setClosedAt(date(item.get("closed_at"), false))
                        .setMergedAt(isPullRequest && pr != null ? date(pr.get("merged_at"), false) : null)
                        .setLabels(labels)
                        .setHtmlUrl(htmlUrl)
                        .setIngestedAt(ingestedAt)
                        .build());
                newest = newest == null || updated.isAfter(newest) ? updated : newest;
            } catch (RuntimeException e) {
                malformed.add("item " + index + ": " + e.getMessage());
            }
            index++;
        }
        return new Parsed<>(events, malformed, newest, missing);
    }

    /** The commits of a comparison ({@code {"status": ..., "commits": [...]}}), oldest first as GitHub gives them. */
    public static Parsed<CommitEvent> comparedCommits(String repo, byte[] body, Instant ingestedAt) throws MalformedPageException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedPageException("body is not JSON (" + body.length + " bytes): " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isObject() || !root.path("commits").isArray()) {
            throw new MalformedPageException("body is not a comparison with a commits array", null);
        }
        try {
            return commits(repo, JSON.writeValueAsBytes(root.get("commits")), ingestedAt);
        } catch (IOException e) {
            throw new MalformedPageException("unreadable comparison: " + e.getMessage(), e);
        }
    }

    /** A commit SHA as GitHub gives them (hex, abbreviated or whole): the only form an item's or a URL's SHA may take. */
    public static boolean isSha(String text) {
        return text != null && SHA.matcher(text).matches();
    }

    /** Cheap check: the first non-blank byte opens a JSON array. */
    static boolean looksLikeArray(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return b == '[';
            }
        }
        return false;
    }

    private static JsonNode array(byte[] body) throws MalformedPageException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedPageException("body is not JSON (" + body.length + " bytes): " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isArray()) {
            throw new MalformedPageException("body is not a JSON array of items", null);
        }
        return root;
    }

    private static Instant date(JsonNode node, boolean required) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            if (required) {
                throw new IllegalArgumentException("missing date");
            }
            return null;
        }
        try {
            return GitHubTimestamps.parse(node.asText());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unparsable date '" + truncate(node.asText(), 40) + "'");
        }
    }

    private static boolean nonNull(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }

    private static String text(JsonNode n) {
        return nonNull(n) ? n.asText() : null;
    }

    private static String truncate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max; // never split an emoji
        return s.substring(0, end);
    }
}
