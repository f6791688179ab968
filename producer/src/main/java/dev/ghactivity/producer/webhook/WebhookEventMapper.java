package dev.ghactivity.producer.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.producer.GitHubItemParser;
import dev.ghactivity.producer.MalformedPageException;
import dev.ghactivity.producer.TrackedRepositories;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RepositoryName;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a delivery onto the records a poll publishes, through the poll's own parser ({@link GitHubItemParser}), so a
 * delivery and a later poll of the same item have the same key and replace each other. Payload shapes: GitHub's
 * "Webhook events and payloads" page; the commit and issue items: the REST "List commits" / "List repository issues".
 * <ul>
 *   <li>{@code push} to {@code refs/heads/<repository.default_branch>}: each payload commit, reshaped as a commits-list
 *   item ({@code id} -> {@code sha}, {@code author.username} -> {@code author.login}, {@code timestamp} -> author and
 *   committer date, {@code url} -> {@code html_url}). Pushes to other refs publish nothing: their commits count once
 *   merged, as with polling.</li>
 *   <li>{@code issues}: the {@code issue} object is an issues-list item; {@code deleted} and {@code transferred} are
 *   tombstones. An open issue has no {@code closed_at} (a reopened one keeps its old close time in the payload).</li>
 *   <li>{@code pull_request}: the PR object, reshaped as the issues-list item of that PR (a {@code pull_request}
 *   object with its {@code url}, {@code html_url} and {@code merged_at}).</li>
 * </ul>
 */
final class WebhookEventMapper {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookEventMapper.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NO_COMMIT = "0000000000000000000000000000000000000000";

    private final TrackedRepositories repositories;
    private final Clock clock;

    WebhookEventMapper(Collection<RepositoryName> repositories, Clock clock) {
        this(fixed(List.copyOf(repositories)), clock);
    }

    /** Deliveries of the repositories the producer tracks now (organizations and globs are rediscovered). */
    WebhookEventMapper(TrackedRepositories repositories, Clock clock) {
        this.repositories = repositories;
        this.clock = clock;
    }

    private static TrackedRepositories fixed(List<RepositoryName> repositories) {
        return () -> repositories;
    }

    /**
     * @param event the {@code X-GitHub-Event} header
     * @param body  the verified raw body
     * @throws MalformedDeliveryException when the body is not the JSON object this event carries
     */
    WebhookEvents map(String event, byte[] body) throws MalformedDeliveryException {
        if (event.equals("ping")) {
            return WebhookEvents.ignored("ping");
        }
        if (!event.equals("push") && !event.equals("issues") && !event.equals("pull_request")) {
            return WebhookEvents.ignored("event '" + event + "' is not used");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedDeliveryException("the body is not JSON (" + body.length + " bytes): "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedDeliveryException("the body is not a JSON object");
        }
        String fullName = text(root.at("/repository/full_name"));
        if (fullName == null) {
            throw new MalformedDeliveryException("no repository.full_name in a " + event + " delivery");
        }
        RepositoryName repo;
        try {
            repo = RepositoryName.parse(fullName);
        } catch (IllegalArgumentException e) {
            return WebhookEvents.ignored(e.getMessage());
        }
        JsonNode id = root.at("/repository/id");
        RepositoryName key = repositories.trackedKey(repo, id.canConvertToLong() ? id.asLong() : null);
        if (key == null) {
            return WebhookEvents.ignored("repository " + repo + " is not configured");
        }
        if (!key.equals(repo)) {
            LOG.debug("{} delivery for {} (repository id {}): counted under {}, the key it is tracked by", event, repo, id, key);
            repo = key;
        }
        return switch (event) {
            case "push" -> push(repo.fullName(), root);
            case "issues" -> issues(repo.fullName(), root);
            default -> pullRequest(repo.fullName(), root);
        };
    }

    private WebhookEvents push(String repo, JsonNode root) throws MalformedDeliveryException {
        String ref = text(root.get("ref"));
        String defaultBranch = text(root.at("/repository/default_branch"));
        if (ref == null || defaultBranch == null) {
            throw new MalformedDeliveryException("a push without ref or repository.default_branch");
        }
        if (!ref.equals("refs/heads/" + defaultBranch)) {
            return WebhookEvents.ignored("push to " + ref + ", not the default branch " + defaultBranch);
        }
        if (root.path("deleted").asBoolean(false)) {
            return WebhookEvents.ignored("the default branch was deleted");
        }
        JsonNode payloadCommits = root.path("commits");
        ArrayNode items = JSON.createArrayNode();
        payloadCommits.forEach(c -> items.add(commitItem(c)));
        List<CommitEvent> commits = parseCommits(repo, items);
        String before = text(root.get("before"));
        String after = text(root.get("after"));
        String lastListed = payloadCommits.isEmpty() ? null : text(payloadCommits.get(payloadCommits.size() - 1).get("id"));
        // GitHub lists a limited number of commits (oldest first); a force push may add commits the list leaves out.
        boolean incomplete = root.path("forced").asBoolean(false)
                || root.path("size").asInt(0) > payloadCommits.size()
                || root.path("distinct_size").asInt(0) > payloadCommits.size()
                || (lastListed != null && after != null && !lastListed.equalsIgnoreCase(after));
        boolean comparable = GitHubItemParser.isSha(before) && GitHubItemParser.isSha(after) && !before.equals(NO_COMMIT);
        if (incomplete && !comparable) {
            LOG.info("{}: push to {} may list only part of its commits and cannot be compared (before {}); the next poll lists the rest",
                    repo, ref, before);
        }
        return new WebhookEvents(repo, commits, List.of(), List.of(),
                incomplete && comparable ? before : null, incomplete && comparable ? after : null, null);
    }

    /** A push payload commit as the commits listing gives it: the shape {@link GitHubItemParser#commits} reads. */
    private static ObjectNode commitItem(JsonNode c) {
        ObjectNode item = JSON.createObjectNode();
        item.set("sha", c.get("id"));
        ObjectNode commit = item.putObject("commit");
        // The payload has one timestamp, the author's; the committer date stays that until a poll replaces the record.
        commit.set("author", signature(c.path("author"), c.get("timestamp")));
        commit.set("committer", signature(c.path("committer"), c.get("timestamp")));
        commit.set("message", c.get("message"));
        JsonNode login = c.at("/author/username");
        if (!login.isMissingNode() && !login.isNull()) {
            item.putObject("author").set("login", login);
        }
        // The payload does not list parents: one, the schema's default, until a poll replaces the record.
        item.putArray("parents").addObject();
        item.set("html_url", c.get("url"));
        return item;
    }

    private static ObjectNode signature(JsonNode person, JsonNode date) {
        ObjectNode signature = JSON.createObjectNode();
        signature.set("name", person.get("name"));
        signature.set("email", person.get("email"));
        signature.set("date", date);
        return signature;
    }

    private WebhookEvents issues(String repo, JsonNode root) throws MalformedDeliveryException {
        String action = root.path("action").asText("");
        JsonNode issue = root.get("issue");
        if (issue == null || !issue.isObject()) {
            throw new MalformedDeliveryException("an issues delivery without an issue object");
        }
        if (action.equals("deleted") || action.equals("transferred")) {
            JsonNode number = issue.get("number");
            if (number == null || !number.canConvertToLong() || number.asLong() <= 0) {
                throw new MalformedDeliveryException("an issues " + action + " delivery without a valid issue number");
            }
            return new WebhookEvents(repo, List.of(), List.of(), List.of(number.asLong()), null, null, null);
        }
        return issueState(repo, issue);
    }

    private WebhookEvents pullRequest(String repo, JsonNode root) throws MalformedDeliveryException {
        JsonNode pr = root.get("pull_request");
        if (pr == null || !pr.isObject()) {
            throw new MalformedDeliveryException("a pull_request delivery without a pull_request object");
        }
        // The issues listing's item of a PR: the issue fields, and a pull_request object with its URLs and merged_at.
        ObjectNode item = JSON.createObjectNode();
        for (String field : List.of("number", "state", "title", "user", "labels", "created_at", "updated_at", "closed_at", "html_url")) {
            item.set(field, pr.get(field));
        }
        ObjectNode link = item.putObject("pull_request");
        link.set("url", pr.get("url"));
        link.set("html_url", pr.get("html_url"));
        link.set("merged_at", pr.get("merged_at"));
        return issueState(repo, item);
    }

    private WebhookEvents issueState(String repo, JsonNode item) throws MalformedDeliveryException {
        GitHubItemParser.Parsed<IssueEvent> parsed;
        try {
            parsed = GitHubItemParser.issues(repo, JSON.writeValueAsBytes(JSON.createArrayNode().add(item)), clock.instant());
        } catch (MalformedPageException | IOException e) {
            throw new MalformedDeliveryException(e.getMessage());
        }
        if (parsed.events().isEmpty()) {
            throw new MalformedDeliveryException(String.join("; ", parsed.malformed()));
        }
        IssueEvent event = parsed.events().get(0);
        if (event.getState().equals("open") && event.getClosedAt() != null) {
            // Reopened: GitHub keeps the old closed_at; an open issue is not closed in any month.
            event = IssueEvent.newBuilder(event).setClosedAt(null).build();
        }
        return new WebhookEvents(repo, List.of(), List.of(event), List.of(), null, null, null);
    }

    private List<CommitEvent> parseCommits(String repo, ArrayNode items) throws MalformedDeliveryException {
        GitHubItemParser.Parsed<CommitEvent> parsed;
        try {
            parsed = GitHubItemParser.commits(repo, JSON.writeValueAsBytes(items), clock.instant());
        } catch (MalformedPageException | IOException e) {
            throw new MalformedDeliveryException(e.getMessage());
        }
        if (!parsed.malformed().isEmpty()) {
            LOG.warn("{}: {} malformed commits in a push skipped (the next poll lists them): {}", repo, parsed.malformed().size(),
                    String.join("; ", parsed.malformed()));
        }
        return new ArrayList<>(parsed.events());
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
