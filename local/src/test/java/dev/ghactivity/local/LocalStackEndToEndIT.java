package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.testkit.FakeGitHub;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline, as a user runs it with {@code --once}, against a fake GitHub on 127.0.0.1 that replays
 * the recorded responses: SQLite and S3 must hold exactly the counts of each fixture's expected-counts.json,
 * and a second run on the same data directory must change nothing.
 */
class LocalStackEndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAGINATED_ISSUES = "octokit-fixtures__paginate-issues__raw-fixture";
    private static final String TIDBIT_COMMITS = "viva-doc__code-tidbit__commits__body-only__2018-04_to_2018-06";
    private static final String EXAMPLE_COMMITS = "openapi-example__repos-list-commits__commit-items";
    private static final String EXAMPLE_ISSUES = "openapi-example__issues-list-for-repo__issue-items";

    private static final String ISSUES_REPO = "octokit-fixture-org/paginate-issues";
    private static final String TIDBIT_REPO = "amilner42/code-tidbit";
    private static final String EXAMPLE_REPO = "octocat/hello-world";

    @TempDir
    Path dataDir;

    @Test
    void onceWritesExactlyTheFixtureCountsToSqliteAndS3AndASecondRunChangesNothing() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveRecordedIssues(ISSUES_REPO);
            github.serveCommits(TIDBIT_REPO, TIDBIT_COMMITS + ".json");
            github.serveCommits(EXAMPLE_REPO, EXAMPLE_COMMITS + ".json");
            github.serveIssues(EXAMPLE_REPO, EXAMPLE_ISSUES + ".json");

            assertThat(runOnce(github)).isEqualTo(LocalStackCli.EXIT_OK);

            Map<String, Long> expectedCommits = new TreeMap<>();
            expectedCommits.putAll(prefixed(TIDBIT_REPO, expected(TIDBIT_COMMITS).get("commits_by_author_date_month_utc")));
            expectedCommits.putAll(prefixed(EXAMPLE_REPO, expected(EXAMPLE_COMMITS).get("commits_by_author_date_month_utc")));
            Map<String, Long> expectedIssues = new TreeMap<>();
            expectedIssues.putAll(prefixed(ISSUES_REPO, expected(PAGINATED_ISSUES).get("issues_excluding_prs_by_created_month_utc")));
            expectedIssues.putAll(prefixed(EXAMPLE_REPO, expected(EXAMPLE_ISSUES).get("issues_excluding_prs_by_created_month_utc")));
            Map<String, Long> expectedPrs = new TreeMap<>();
            expectedPrs.putAll(prefixed(ISSUES_REPO, expected(PAGINATED_ISSUES).get("pull_requests_by_created_month_utc")));
            expectedPrs.putAll(prefixed(EXAMPLE_REPO, expected(EXAMPLE_ISSUES).get("pull_requests_by_created_month_utc")));
            // The fixtures are what we think they are: 10 + 20 + 1 commits, 13 issues, 1 pull request.
            assertThat(expectedCommits).containsOnlyKeys(TIDBIT_REPO + "|2018-04", TIDBIT_REPO + "|2018-06", EXAMPLE_REPO + "|2011-04");
            assertThat(expectedIssues).containsExactly(Map.entry(ISSUES_REPO + "|2022-07", 13L));
            assertThat(expectedPrs).containsExactly(Map.entry(EXAMPLE_REPO + "|2011-04", 1L));

            Path db = dataDir.resolve("ghactivity.db");
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, commit_count FROM aggregate_commits")).isEqualTo(expectedCommits);
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, issue_count FROM aggregate_issues")).isEqualTo(expectedIssues);
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, prs_opened FROM monthly_activity WHERE prs_opened > 0"))
                    .isEqualTo(expectedPrs);
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, issues_closed + prs_merged FROM monthly_activity"))
                    .allSatisfy((k, v) -> assertThat(v).as(k).isZero());

            Map<String, JsonNode> s3 = PipelineOutputs.s3SnapshotRows(dataDir.resolve("s3/ghactivity"), "monthly-activity");
            assertThat(PipelineOutputs.column(s3, "commits")).isEqualTo(expectedCommits);
            assertThat(PipelineOutputs.column(s3, "issues_opened")).isEqualTo(expectedIssues);
            assertThat(PipelineOutputs.column(s3, "prs_opened")).isEqualTo(expectedPrs);
            assertThat(s3.keySet()).isEqualTo(PipelineOutputs.sqliteRows(db).keySet());

            Map<String, String> rowsAfterFirstRun = PipelineOutputs.sqliteRows(db);
            Map<String, JsonNode> s3AfterFirstRun = s3;
            int requestsBefore = github.requests().size();

            assertThat(runOnce(github)).isEqualTo(LocalStackCli.EXIT_OK);

            assertThat(github.requests().size()).as("the second run polls again").isGreaterThan(requestsBefore);
            assertThat(PipelineOutputs.sqliteRows(db)).isEqualTo(rowsAfterFirstRun);
            assertThat(PipelineOutputs.s3SnapshotRows(dataDir.resolve("s3/ghactivity"), "monthly-activity")).isEqualTo(s3AfterFirstRun);
        }
    }

    @Test
    void aBranchMergedAfterTheFirstRunCountsInItsOwnOldMonthAfterTheNextRun() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            List<String> tidbit = dev.ghactivity.testkit.GitHubFixtures.items(TIDBIT_COMMITS + ".json");
            github.serveCommitItems(TIDBIT_REPO, tidbit);
            String[] args = {"--repo", TIDBIT_REPO, "--github-api-url", github.apiUrl(), "--data-dir", dataDir.toString(), "--once",
                    "--http-port", "0", "--full-reread-interval", "0"}; // never: only the comparison of heads can find the branch
            assertThat(LocalStackCli.run(args)).isEqualTo(LocalStackCli.EXIT_OK);
            Path db = dataDir.resolve("ghactivity.db");
            String commitsQuery = "SELECT repo, month, commit_count FROM aggregate_commits";
            assertThat(PipelineOutputs.sqliteCounts(db, commitsQuery))
                    .isEqualTo(prefixed(TIDBIT_REPO, expected(TIDBIT_COMMITS).get("commits_by_author_date_month_utc")));

            // A branch from March 2017 is merged with a merge commit: since = cursor - overlap cannot list its commit.
            List<String> merged = new ArrayList<>(tidbit);
            merged.add(0, dev.ghactivity.testkit.GitHubFixtures.commitLike(tidbit.get(0), "0123456789abcdef0123456789abcdef01234567", "2017-03-05T10:00:00Z"));
            merged.add(0, dev.ghactivity.testkit.GitHubFixtures.commitLike(tidbit.get(0), "fedcba9876543210fedcba9876543210fedcba98", "2026-11-20T09:00:00Z"));
            github.serveCommitItems(TIDBIT_REPO, merged);
            assertThat(LocalStackCli.run(args)).isEqualTo(LocalStackCli.EXIT_OK);

            Map<String, Long> expected = new TreeMap<>(prefixed(TIDBIT_REPO, expected(TIDBIT_COMMITS).get("commits_by_author_date_month_utc")));
            expected.put(TIDBIT_REPO + "|2017-03", 1L);
            expected.put(TIDBIT_REPO + "|2026-11", 1L);
            assertThat(PipelineOutputs.sqliteCounts(db, commitsQuery)).isEqualTo(expected);
            assertThat(PipelineOutputs.column(PipelineOutputs.s3SnapshotRows(dataDir.resolve("s3/ghactivity"), "monthly-activity"), "commits"))
                    .isEqualTo(expected);
            assertThat(github.requests()).filteredOn(r -> r.getUrl().encodedPath().contains("/compare/")).hasSize(1);
        }
    }

    @Test
    void anUnknownRepositoryIsSkippedWithExitCodeTwoWhileTheOtherIsWritten() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            github.serveCommits(TIDBIT_REPO, TIDBIT_COMMITS + ".json");
            github.notFound("nobody/nothing");
            int code = LocalStackCli.run("--repo", TIDBIT_REPO, "--repo", "nobody/nothing",
                    "--github-api-url", github.apiUrl(), "--data-dir", dataDir.toString(), "--once", "--http-port", "0");
            assertThat(code).isEqualTo(LocalStackCli.EXIT_PARTIAL);
            assertThat(PipelineOutputs.sqliteCounts(dataDir.resolve("ghactivity.db"), "SELECT repo, month, commit_count FROM aggregate_commits"))
                    .isEqualTo(prefixed(TIDBIT_REPO, expected(TIDBIT_COMMITS).get("commits_by_author_date_month_utc")));
        }
    }

    private int runOnce(FakeGitHub github) {
        return LocalStackCli.run("--repo", ISSUES_REPO, "--repo", TIDBIT_REPO, "--repo", EXAMPLE_REPO,
                "--github-api-url", github.apiUrl(), "--data-dir", dataDir.toString(), "--once", "--http-port", "0");
    }

    private static JsonNode expected(String fixture) throws IOException {
        try (InputStream in = LocalStackEndToEndIT.class.getResourceAsStream("/fixtures/github/" + fixture + ".expected-counts.json")) {
            assertThat(in).as("fixture " + fixture + " on the classpath").isNotNull();
            return JSON.readTree(in);
        }
    }

    private static Map<String, Long> prefixed(String repo, JsonNode monthCounts) {
        Map<String, Long> result = new TreeMap<>();
        monthCounts.fields().forEachRemaining(e -> result.put(repo + "|" + e.getKey(), e.getValue().asLong()));
        return result;
    }
}
