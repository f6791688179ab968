package dev.ghactivity.producer.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.producer.GitHubItemParser;
import dev.ghactivity.producer.TrackedRepositories;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.GitHubWebhookSender;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each event kind of the recorded deliveries, mapped onto exactly the records (and keys) the poll publishes. */
class WebhookEventMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final String REPO = "codertocat/hello-world";
    private final WebhookEventMapper mapper = new WebhookEventMapper(
            List.of(RepositoryName.parse("Codertocat/Hello-World"), RepositoryName.parse("octo-org/octo-repo")),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aPushToTheDefaultBranchIsItsCommitsAsTheCommitsListingWouldGiveThem() throws Exception {
        WebhookEvents events = mapper.map("push", GitHubWebhookSender.fixture("push_with-new-branch.json"));

        // The same commit as GET /repos/Codertocat/Hello-World/commits lists it (author linked to the login Codertocat).
        String restItem = """
                [{"sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                  "commit": {"author": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com", "date": "2019-05-15T15:19:25Z"},
                             "committer": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com", "date": "2019-05-15T15:19:25Z"},
                             "message": "Initial commit"},
                  "author": {"login": "Codertocat"}, "parents": [{"sha": "0000000000000000000000000000000000000001"}],
                  "html_url": "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"}]""";
        List<CommitEvent> polled = GitHubItemParser.commits(REPO, restItem.getBytes(StandardCharsets.UTF_8), NOW).events();
        assertThat(events.repo()).isEqualTo(REPO);
        assertThat(events.commits()).containsExactlyElementsOf(polled);
        CommitEvent commit = events.commits().get(0);
        assertThat(RecordKeys.commit(commit.getRepo(), commit.getSha())).isEqualTo(REPO + "@6113728f27ae82c7b1a177c8d03f9e96e0adf246");
        assertThat(commit.getAuthorLogin()).isEqualTo("Codertocat");
        assertThat(commit.getAuthorDate()).isEqualTo(Instant.parse("2019-05-15T15:19:25Z"));
        assertThat(events.issues()).isEmpty();
        assertThat(events.goneIssues()).isEmpty();
        // A new branch (before = 000...): nothing to compare with, the payload is the push.
        assertThat(events.compareBase()).isNull();
    }

    @Test
    void aCommitterWithoutUsernameStillMapsWithTheAuthorsLogin() throws Exception {
        WebhookEvents events = mapper.map("push", GitHubWebhookSender.fixture("push_with-no-username-committer.json"));
        assertThat(events.commits()).singleElement().satisfies(c -> {
            assertThat(c.getAuthorLogin()).isEqualTo("Codertocat");
            assertThat(c.getAuthorEmail()).isEqualTo("21031067+Codertocat@users.noreply.github.com");
        });
    }

    @Test
    void anAuthorWithoutUsernameHasNoLoginNotAnEmptyOne() throws Exception {
        byte[] body = GitHubWebhookSender.fixture("push_with-new-branch.json",
                root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.withArray("commits").get(0).get("author")).remove("username"));
        assertThat(mapper.map("push", body).commits()).singleElement().satisfies(c -> assertThat(c.getAuthorLogin()).isNull());
    }

    @Test
    void pushesToOtherRefsAndTagDeletionsPublishNothing() throws Exception {
        byte[] feature = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> root.put("ref", "refs/heads/feature"));
        assertThat(mapper.map("push", feature).ignored()).isEqualTo("push to refs/heads/feature, not the default branch master");
        // push_payload.json: a tag deleted.
        assertThat(mapper.map("push", GitHubWebhookSender.fixture("push_payload.json")).ignored())
                .isEqualTo("push to refs/tags/simple-tag, not the default branch master");
    }

    @Test
    void aForcedOrTruncatedPushAsksForTheComparisonOfBeforeAndAfter() throws Exception {
        String before = "a10867b14bb761a232cd80139fbd4c0d33264240";
        String after = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
        byte[] forced = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> {
            root.put("before", before).put("created", false).put("forced", true);
        });
        WebhookEvents events = mapper.map("push", forced);
        assertThat(events.commits()).hasSize(1);
        assertThat(events.compareBase()).isEqualTo(before);
        assertThat(events.compareHead()).isEqualTo(after);

        // 21 commits added, the payload lists the oldest one only: its last listed commit is not "after".
        byte[] truncated = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> {
            root.put("before", before).put("created", false).put("after", "fedcba9876543210fedcba9876543210fedcba98");
        });
        assertThat(mapper.map("push", truncated).compareHead()).isEqualTo("fedcba9876543210fedcba9876543210fedcba98");
        byte[] sized = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> root.put("before", before).put("size", 21));
        assertThat(mapper.map("push", sized).compareBase()).isEqualTo(before);
        byte[] complete = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> root.put("before", before));
        assertThat(mapper.map("push", complete).compareBase()).isNull();
    }

    @Test
    void anIssuesDeliveryIsTheIssueAsTheIssuesListingGivesIt() throws Exception {
        WebhookEvents events = mapper.map("issues", GitHubWebhookSender.fixture("issues_opened.json"));
        // GitHub's issue object is the same representation in webhooks and in GET /repos/{o}/{r}/issues.
        byte[] restListing = JSON.writeValueAsBytes(JSON.createArrayNode().add(GitHubWebhookSender.json("issues_opened.json").get("issue")));
        assertThat(events.issues()).containsExactlyElementsOf(GitHubItemParser.issues(REPO, restListing, NOW).events());
        IssueEvent issue = events.issues().get(0);
        assertThat(RecordKeys.issue(issue.getRepo(), issue.getNumber())).isEqualTo(REPO + "#1");
        assertThat(issue.getIsPullRequest()).isFalse();
        assertThat(issue.getState()).isEqualTo("open");
        assertThat(issue.getCreatedAt()).isEqualTo(Instant.parse("2019-05-15T15:20:18Z"));
        assertThat(issue.getClosedAt()).isNull();
        assertThat(issue.getLabels()).containsExactly("bug");
    }

    @Test
    void aReopenedIssueIsOpenWhateverClosedAtSays() throws Exception {
        IssueEvent issue = mapper.map("issues", GitHubWebhookSender.fixture("issues_reopened.json")).issues().get(0);
        assertThat(issue.getState()).isEqualTo("open");
        assertThat(issue.getClosedAt()).isNull();
        assertThat(issue.getCreatedAt()).isEqualTo(Instant.parse("2021-07-05T18:05:24Z"));
    }

    @Test
    void deletedAndTransferredIssuesAreTombstones() throws Exception {
        WebhookEvents deleted = mapper.map("issues", GitHubWebhookSender.fixture("issues_deleted.json"));
        assertThat(deleted.repo()).isEqualTo(REPO);
        assertThat(deleted.goneIssues()).containsExactly(1L);
        assertThat(deleted.issues()).isEmpty();
        WebhookEvents transferred = mapper.map("issues", GitHubWebhookSender.fixture("issues_transferred.json"));
        assertThat(transferred.repo()).isEqualTo("octo-org/octo-repo");
        assertThat(transferred.goneIssues()).containsExactly(1L);
    }

    @Test
    void aPullRequestDeliveryIsThePullRequestAsTheIssuesListingGivesIt() throws Exception {
        WebhookEvents events = mapper.map("pull_request", GitHubWebhookSender.fixture("pull_request_closed.json"));
        // PR #2 of Codertocat/Hello-World as GET /repos/Codertocat/Hello-World/issues?state=all lists it.
        String restItem = """
                [{"url": "https://api.github.com/repos/Codertocat/Hello-World/issues/2", "number": 2, "state": "closed",
                  "title": "Update the README with new information.", "user": {"login": "Codertocat"},
                  "labels": [{"name": "bug"}], "created_at": "2019-05-15T15:20:33Z", "updated_at": "2019-05-15T15:21:18Z",
                  "closed_at": "2019-05-15T15:21:18Z", "html_url": "https://github.com/Codertocat/Hello-World/pull/2",
                  "pull_request": {"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/2",
                                   "html_url": "https://github.com/Codertocat/Hello-World/pull/2", "merged_at": null}}]""";
        List<IssueEvent> polled = GitHubItemParser.issues(REPO, restItem.getBytes(StandardCharsets.UTF_8), NOW).events();
        assertThat(events.issues()).containsExactlyElementsOf(polled);
        IssueEvent pr = events.issues().get(0);
        assertThat(pr.getIsPullRequest()).isTrue();
        assertThat(pr.getMergedAt()).as("closed without merge").isNull();
        assertThat(RecordKeys.issue(pr.getRepo(), pr.getNumber())).isEqualTo(REPO + "#2");
    }

    @Test
    void aMergedPullRequestCarriesItsMergeTime() throws Exception {
        byte[] merged = GitHubWebhookSender.fixture("pull_request_closed.json",
                root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("pull_request"))
                        .put("merged", true).put("merged_at", "2019-05-15T15:21:18Z"));
        IssueEvent pr = mapper.map("pull_request", merged).issues().get(0);
        assertThat(pr.getMergedAt()).isEqualTo(Instant.parse("2019-05-15T15:21:18Z"));
        IssueEvent opened = mapper.map("pull_request", GitHubWebhookSender.fixture("pull_request_opened.json")).issues().get(0);
        assertThat(opened.getState()).isEqualTo("open");
        assertThat(opened.getIsPullRequest()).isTrue();
        IssueEvent synchronize = mapper.map("pull_request", GitHubWebhookSender.fixture("pull_request_synchronize.json")).issues().get(0);
        assertThat(synchronize.getNumber()).isEqualTo(2L);
    }

    @Test
    void pingOtherEventsAndUnconfiguredRepositoriesAreIgnored() throws Exception {
        assertThat(mapper.map("ping", GitHubWebhookSender.fixture("ping_payload.json")).ignored()).isEqualTo("ping");
        assertThat(mapper.map("star", "{}".getBytes(StandardCharsets.UTF_8)).ignored()).isEqualTo("event 'star' is not used");
        byte[] elsewhere = GitHubWebhookSender.fixture("issues_opened.json",
                root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("repository")).put("full_name", "someone/else"));
        assertThat(mapper.map("issues", elsewhere).ignored()).isEqualTo("repository someone/else is not configured");
        // Names compare case-insensitively, like RepositoryName.
        byte[] upper = GitHubWebhookSender.fixture("issues_opened.json",
                root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("repository")).put("full_name", "CODERTOCAT/hello-WORLD"));
        assertThat(mapper.map("issues", upper).repo()).isEqualTo(REPO);
    }

    /** Issue 17: with --org the tracked repositories change at each discovery; a delivery is judged by them at its arrival. */
    @Test
    void deliveriesFollowTheRepositoriesTrackedNow() throws Exception {
        java.util.concurrent.atomic.AtomicReference<List<RepositoryName>> tracked = new java.util.concurrent.atomic.AtomicReference<>(List.of());
        WebhookEventMapper discovered = new WebhookEventMapper(tracked::get, Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] opened = GitHubWebhookSender.fixture("issues_opened.json");
        assertThat(discovered.map("issues", opened).ignored()).isEqualTo("repository " + REPO + " is not configured");
        tracked.set(List.of(RepositoryName.parse(REPO))); // found by the next discovery
        assertThat(discovered.map("issues", opened).repo()).isEqualTo(REPO);
        assertThat(discovered.map("issues", opened).ignored()).isNull();
    }

    /**
     * A repository renamed after it was first tracked is counted under its first key (its cursors' name): its
     * deliveries carry the new name and the same repository id, and go under that key, never under the new name too.
     */
    @Test
    void aDeliveryOfARenamedRepositoryIsCountedUnderTheKeyItsIdIsTrackedBy() throws Exception {
        RepositoryName firstKey = RepositoryName.parse("codertocat/hello-old");
        long id = 186853002L; // the fixture's repository.id
        java.util.concurrent.atomic.AtomicReference<List<RepositoryName>> tracked =
                new java.util.concurrent.atomic.AtomicReference<>(List.of(firstKey, RepositoryName.parse(REPO)));
        TrackedRepositories byId = new TrackedRepositories() {
            @Override
            public List<RepositoryName> tracked() {
                return tracked.get();
            }

            @Override
            public RepositoryName trackedKey(RepositoryName name, Long deliveryId) {
                RepositoryName key = deliveryId != null && deliveryId == id ? firstKey : null;
                return key != null ? (tracked.get().contains(key) ? key : null) : TrackedRepositories.super.trackedKey(name, deliveryId);
            }
        };
        WebhookEventMapper renamed = new WebhookEventMapper(byId, Clock.fixed(NOW, ZoneOffset.UTC));

        WebhookEvents events = renamed.map("issues", GitHubWebhookSender.fixture("issues_opened.json"));
        assertThat(events.repo()).isEqualTo(firstKey.fullName());
        assertThat(events.issues()).extracting(e -> e.getRepo()).containsExactly(firstKey.fullName());

        // The new name is given too but refused for this id (counted under the first key): no second count under it.
        tracked.set(List.of(RepositoryName.parse(REPO)));
        assertThat(renamed.map("issues", GitHubWebhookSender.fixture("issues_opened.json")).ignored())
                .isEqualTo("repository " + REPO + " is not configured");

        // Another repository of that name (another id): judged by its name, as before.
        byte[] otherId = GitHubWebhookSender.fixture("issues_opened.json",
                root -> ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("repository")).put("id", 7L));
        assertThat(renamed.map("issues", otherId).repo()).isEqualTo(REPO);
    }

    @Test
    void aBodyThatIsNotThePayloadIsMalformed() {
        assertThatThrownBy(() -> mapper.map("issues", "not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedDeliveryException.class).hasMessageStartingWith("the body is not JSON");
        assertThatThrownBy(() -> mapper.map("issues", "{\"repository\": {\"full_name\": \"Codertocat/Hello-World\"}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedDeliveryException.class).hasMessage("an issues delivery without an issue object");
    }
}
