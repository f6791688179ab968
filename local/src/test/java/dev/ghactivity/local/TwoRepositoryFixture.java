package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import java.util.Map;
import java.util.TreeMap;

/**
 * Two repositories of recorded responses, each a single page (so a fake GitHub reached through any address
 * serves them whole): amilner42/code-tidbit's 30 commits (2018-04 and 2018-06) and octocat/hello-world's
 * commit and issues (one pull request, 2011-04). The expected counts come from the fixtures' own
 * {@code .expected-counts.json}.
 */
final class TwoRepositoryFixture {
    static final String TIDBIT_REPO = "amilner42/code-tidbit";
    static final String EXAMPLE_REPO = "octocat/hello-world";
    private static final String TIDBIT_COMMITS = "viva-doc__code-tidbit__commits__body-only__2018-04_to_2018-06";
    private static final String EXAMPLE_COMMITS = "openapi-example__repos-list-commits__commit-items";
    private static final String EXAMPLE_ISSUES = "openapi-example__issues-list-for-repo__issue-items";

    private TwoRepositoryFixture() {
    }

    static void serveOn(FakeGitHub github) {
        github.serveCommits(TIDBIT_REPO, TIDBIT_COMMITS + ".json");
        github.serveCommits(EXAMPLE_REPO, EXAMPLE_COMMITS + ".json");
        github.serveIssues(EXAMPLE_REPO, EXAMPLE_ISSUES + ".json");
    }

    /** {@code repo|month -> commits} by author date, UTC: 31 commits in three months. */
    static Map<String, Long> commits() {
        Map<String, Long> commits = new TreeMap<>();
        commits.putAll(PipelineOutputs.expectedCounts(TIDBIT_COMMITS, "commits_by_author_date_month_utc", TIDBIT_REPO));
        commits.putAll(PipelineOutputs.expectedCounts(EXAMPLE_COMMITS, "commits_by_author_date_month_utc", EXAMPLE_REPO));
        assertThat(commits.values().stream().mapToLong(Long::longValue).sum()).as("the fixtures hold 30 + 1 commits").isEqualTo(31);
        return commits;
    }

    /** {@code repo|month -> pull requests opened}: one, in 2011-04. */
    static Map<String, Long> pullRequests() {
        Map<String, Long> prs = PipelineOutputs.expectedCounts(EXAMPLE_ISSUES, "pull_requests_by_created_month_utc", EXAMPLE_REPO);
        assertThat(prs).as("the fixture holds one pull request").containsExactly(Map.entry(EXAMPLE_REPO + "|2011-04", 1L));
        return prs;
    }

    /** {@code repo|month -> issues opened}, pull requests excluded. */
    static Map<String, Long> issues() {
        return PipelineOutputs.expectedCounts(EXAMPLE_ISSUES, "issues_excluding_prs_by_created_month_utc", EXAMPLE_REPO);
    }
}
