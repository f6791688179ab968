package dev.ghactivity.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recorded GitHub responses under {@code /fixtures/github} on the classpath (copied from the project's
 * shared fixtures, provenance in their README).
 */
public final class GitHubFixtures {
    public static final String PAGINATED_ISSUES = "octokit-fixtures__paginate-issues__raw-fixture";
    public static final String TIDBIT_COMMITS = "viva-doc__code-tidbit__commits__body-only__2018-04_to_2018-06";
    public static final String EXAMPLE_COMMITS = "openapi-example__repos-list-commits__commit-items";
    public static final String EXAMPLE_ISSUES = "openapi-example__issues-list-for-repo__issue-items";

    static final ObjectMapper JSON = new ObjectMapper();

    private GitHubFixtures() {
    }

    /** A recorded response: status, headers in order (names may repeat), body. */
    public record RecordedResponse(String path, int status, List<Map.Entry<String, String>> headers, String body) {
        public String header(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
        }
    }

    public static JsonNode json(String file) {
        try (InputStream in = GitHubFixtures.class.getResourceAsStream("/fixtures/github/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + file + " under /fixtures/github on the classpath");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + file, e);
        }
    }

    /** The GET responses of a nock recording, in recorded order. */
    public static List<RecordedResponse> recordedGets(String fixtureBase) {
        List<RecordedResponse> result = new ArrayList<>();
        for (JsonNode call : json(fixtureBase + ".json")) {
            if (!"get".equalsIgnoreCase(call.path("method").asText())) {
                continue;
            }
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            JsonNode raw = call.path("rawHeaders");
            for (int i = 0; i + 1 < raw.size(); i += 2) {
                headers.add(Map.entry(raw.get(i).asText(), raw.get(i + 1).asText()));
            }
            result.add(new RecordedResponse(call.get("path").asText(), call.get("status").asInt(), headers,
                    call.get("response").toString()));
        }
        return result;
    }

    /** The items of a body-only fixture (a JSON array), each as its JSON text. */
    public static List<String> items(String file) {
        List<String> items = new ArrayList<>();
        json(file).forEach(n -> items.add(n.toString()));
        return items;
    }

    /**
     * A copy of a commit item (JSON text) with another {@code sha} and its author and committer dates set to
     * {@code date}: a commit that was not in the recording, e.g. of a branch merged later.
     */
    public static String commitLike(String item, String sha, String date) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode copy = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(item);
            copy.put("sha", sha);
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy.path("commit").path("author")).put("date", date);
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy.path("commit").path("committer")).put("date", date);
            return JSON.writeValueAsString(copy);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("not a commit item: " + e.getMessage(), e);
        }
    }

    /** One section of {@code <fixture>.expected-counts.json}: month -> count, as recorded. */
    public static Map<String, Long> expectedCounts(String fixtureBase, String section) {
        Map<String, Long> result = new TreeMap<>();
        json(fixtureBase + ".expected-counts.json").path(section).fields()
                .forEachRemaining(e -> result.put(e.getKey(), e.getValue().asLong()));
        return result;
    }

    /** {@code repo|month -> count}, the key shape of the pipeline's outputs. */
    public static Map<String, Long> expectedCounts(String repo, String fixtureBase, String section) {
        Map<String, Long> result = new LinkedHashMap<>();
        expectedCounts(fixtureBase, section).forEach((month, n) -> result.put(repo + "|" + month, n));
        return result;
    }
}
