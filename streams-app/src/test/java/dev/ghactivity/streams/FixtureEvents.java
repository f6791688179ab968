package dev.ghactivity.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The recorded GitHub fixtures (testkit's classpath copy) as events, and their expected counts. */
final class FixtureEvents {
    static final ObjectMapper JSON = new ObjectMapper();

    private FixtureEvents() {
    }

    static JsonNode read(String file) {
        try (InputStream in = FixtureEvents.class.getResourceAsStream("/fixtures/github/" + file)) {
            if (in == null) {
                throw new IllegalStateException("fixture " + file + " not on the classpath (testkit)");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Items of a body-only fixture, or of every recorded GET of a nock recording. */
    static List<JsonNode> items(String file) {
        JsonNode root = read(file);
        List<JsonNode> items = new ArrayList<>();
        if (root.isArray() && root.size() > 0 && root.get(0).has("scope")) {
            for (JsonNode call : root) {
                if ("get".equalsIgnoreCase(call.path("method").asText())) {
                    call.get("response").forEach(items::add);
                }
            }
        } else {
            root.forEach(items::add);
        }
        return items;
    }

    static List<CommitEvent> commits(String repo, String file) {
        List<CommitEvent> events = new ArrayList<>();
        for (JsonNode item : items(file)) {
            JsonNode commit = item.get("commit");
            events.add(CommitEvent.newBuilder()
                    .setRepo(repo).setSha(item.get("sha").asText())
                    .setAuthorName(text(commit.at("/author/name"))).setAuthorEmail(text(commit.at("/author/email")))
                    .setAuthorLogin(text(item.at("/author/login")))
                    .setAuthorDate(instant(commit.at("/author/date"))).setCommitterDate(instant(commit.at("/committer/date")))
                    .setMessageHeadline(commit.path("message").asText("").lines().findFirst().orElse(""))
                    .setParentsCount(item.path("parents").size()).setHtmlUrl(text(item.get("html_url")))
                    .setIngestedAt(Instant.parse("2026-01-01T00:00:00Z"))
                    .build());
        }
        return events;
    }

    static List<IssueEvent> issues(String repo, String file) {
        List<IssueEvent> events = new ArrayList<>();
        for (JsonNode item : items(file)) {
            JsonNode pr = item.get("pull_request");
            boolean isPr = pr != null && pr.isObject() && (!pr.path("url").isNull() && pr.has("url")
                    || !pr.path("html_url").isNull() && pr.has("html_url"));
            List<String> labels = new ArrayList<>();
            item.path("labels").forEach(l -> labels.add(l.path("name").asText()));
            events.add(IssueEvent.newBuilder()
                    .setRepo(repo).setNumber(item.get("number").asLong()).setIsPullRequest(isPr)
                    .setState(item.path("state").asText()).setTitle(item.path("title").asText(""))
                    .setUserLogin(text(item.at("/user/login")))
                    .setCreatedAt(instant(item.get("created_at"))).setUpdatedAt(instant(item.get("updated_at")))
                    .setClosedAt(optionalInstant(item.get("closed_at")))
                    .setMergedAt(isPr ? optionalInstant(pr.get("merged_at")) : null)
                    .setLabels(labels).setHtmlUrl(text(item.get("html_url")))
                    .setIngestedAt(Instant.parse("2026-01-01T00:00:00Z"))
                    .build());
        }
        return events;
    }

    /** {@code repo|month -> count} of one section of an expected-counts file. */
    static Map<String, Long> expected(String repo, String fixtureBase, String section) {
        Map<String, Long> result = new TreeMap<>();
        read(fixtureBase + ".expected-counts.json").get(section).fields()
                .forEachRemaining(e -> result.put(repo + "|" + e.getKey(), e.getValue().asLong()));
        return result;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }

    private static Instant instant(JsonNode n) {
        return OffsetDateTime.parse(n.asText()).toInstant();
    }

    private static Instant optionalInstant(JsonNode n) {
        return n == null || n.isNull() ? null : instant(n);
    }
}
