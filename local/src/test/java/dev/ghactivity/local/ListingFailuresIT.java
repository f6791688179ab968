package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import dev.ghactivity.testkit.SyntheticActivity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's reproductions through the runnable jar with {@code --once}, as a user runs it: what GitHub really answers
 * (an empty repository, a renamed one, {@code Link} URLs naming another origin, an unknown host) either ends in
 * complete counts and exit 0, or in one line on stderr and a non-zero exit; never in a silent partial success.
 */
class ListingFailuresIT {
    private static final String TIDBIT_COMMITS = GitHubFixtures.TIDBIT_COMMITS;

    @TempDir
    Path dir;

    @Test
    void anEmptyARenamedAndAProxiedRepositoryAreReadCompletelyInOneRunThatExitsZero() throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            // 1. commits answer 409 "Git Repository is empty."; two issues.
            github.emptyRepository("acme/empty").serveIssueItems("acme/empty", List.of(
                    issue(1, "2024-01-05T10:00:00Z", null), issue(2, "2024-02-07T10:00:00Z", "2024-02-08T10:00:00Z")));
            // 2. renamed: /repos/acme/old-name/... answers 301 to /repositories/505/...
            github.serveCommits("acme/new-name", TIDBIT_COMMITS + ".json").renamed("acme/old-name", "acme/new-name", 505);
            // 3. an Enterprise server behind a proxy: every Link URL names its internal host; 2 pages of each listing.
            SyntheticActivity ghe = github.serveSyntheticActivity("acme/ghe", 150, 150, 7);
            github.linkOrigin("http://ghe.internal:8080");

            int code;
            String stderr;
            String stdout;
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(), "--repo", "acme/empty",
                    "--repo", "acme/old-name", "--repo", "acme/ghe", "--github-api-url", github.apiUrl(),
                    "--data-dir", dir.resolve("data").toString(), "--once", "--http-port", "0")) {
                code = run.awaitExit(Duration.ofMinutes(5));
                stderr = run.stderr();
                stdout = run.stdout();
            }
            assertThat(code).as("stderr: %s", stderr).isEqualTo(LocalStackCli.EXIT_OK);
            assertThat(stderr).doesNotContain("ghactivity:");
            assertThat(stdout).contains("acme/old-name commits: GitHub redirects it to /repositories/505/commits", "is now acme/new-name");

            Map<String, Long> commits = new TreeMap<>();
            GitHubFixtures.expectedCounts(TIDBIT_COMMITS, "commits_by_author_date_month_utc")
                    .forEach((month, n) -> commits.put("acme/old-name|" + month, n));
            Map<String, Long> issues = new TreeMap<>(Map.of("acme/empty|2024-01", 1L, "acme/empty|2024-02", 1L));
            Map<String, Long> closed = new TreeMap<>(Map.of("acme/empty|2024-02", 1L));
            ghe.expectedMonthlyCounts().forEach((month, c) -> {
                put(commits, "acme/ghe|" + month, c[0]);
                put(issues, "acme/ghe|" + month, c[2]);
                put(closed, "acme/ghe|" + month, c[3]);
            });
            Path db = dir.resolve("data/ghactivity.db");
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, commits FROM monthly_activity WHERE commits > 0")).isEqualTo(commits);
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, issues_opened FROM monthly_activity WHERE issues_opened > 0"))
                    .isEqualTo(issues);
            assertThat(PipelineOutputs.sqliteCounts(db, "SELECT repo, month, issues_closed FROM monthly_activity WHERE issues_closed > 0"))
                    .isEqualTo(closed);
            // Page 2 of each ghe listing was asked here, although its Link named ghe.internal:8080; each repository's id once
            // (GET /repos/{owner}/{name}, which for the renamed one redirects to /repositories/505 and gives its new name).
            // Repositories are fetched concurrently (--max-concurrent-repos): each one's requests in order.
            Map<String, List<String>> byRepository = new java.util.TreeMap<>();
            github.requests().stream().map(r -> r.getUrl().encodedPath() + (r.getUrl().encodedQuery() == null ? "" : "?" + r.getUrl().encodedQuery()))
                    .forEach(url -> byRepository.computeIfAbsent(url.contains("/acme/empty") ? "empty" : url.contains("/acme/ghe") ? "ghe" : "old-name",
                            k -> new java.util.ArrayList<>()).add(url));
            assertThat(byRepository).containsOnlyKeys("empty", "ghe", "old-name");
            assertThat(byRepository.get("empty")).containsExactly("/repos/acme/empty", "/repos/acme/empty/commits?per_page=100",
                    "/repos/acme/empty/issues?per_page=100&state=all&sort=updated&direction=asc");
            assertThat(byRepository.get("old-name")).containsExactly("/repos/acme/old-name", "/repositories/505",
                    "/repos/acme/old-name/commits?per_page=100", "/repositories/505/commits?per_page=100",
                    "/repos/acme/old-name/issues?per_page=100&state=all&sort=updated&direction=asc",
                    "/repositories/505/issues?per_page=100&state=all&sort=updated&direction=asc");
            assertThat(byRepository.get("ghe")).containsExactly("/repos/acme/ghe",
                    "/repos/acme/ghe/commits?per_page=100", "/repos/acme/ghe/commits?per_page=100&page=2",
                    "/repos/acme/ghe/issues?per_page=100&state=all&sort=updated&direction=asc",
                    "/repos/acme/ghe/issues?per_page=100&state=all&sort=updated&direction=asc&page=2");
        }
    }

    @Test
    void anUnreachableGitHubIsOneLineNamingTheHostAndExitOne() throws Exception {
        int code;
        String stderr;
        String stdout;
        try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(), "--repo", "a/b", "--repo", "c/d",
                "--github-api-url", "http://nonexistent.invalid", "--data-dir", dir.resolve("data").toString(), "--once", "--http-port", "0")) {
            code = run.awaitExit(Duration.ofMinutes(5));
            stderr = run.stderr();
            stdout = run.stdout();
        }
        assertThat(code).isEqualTo(LocalStackCli.EXIT_FATAL);
        assertThat(stderr.lines().filter(l -> l.startsWith("ghactivity:")).toList()).containsExactly(
                "ghactivity: cannot reach the GitHub API at nonexistent.invalid:80: its name does not resolve (DNS); check the network, "
                        + "the proxy (HTTPS_PROXY/NO_PROXY or -Dhttps.proxyHost) and --github-api-url");
        assertThat(stderr).doesNotContain("Exception", "\tat ");
        // The run's summary line all the same, with the requests it really sent.
        assertThat(stdout.lines().filter(l -> l.contains("LocalStackCli - done: ")).toList()).as(stdout).singleElement().asString()
                .containsPattern("LocalStackCli - done: a/b unreachable \\(0 commits, 0 issues, 0 malformed, \\d+ requests, 0 not modified: "
                        + "cannot reach the GitHub API at nonexistent.invalid:80: .*\\); c/d unreachable \\(0 commits, 0 issues, 0 malformed, ");
    }

    private static void put(Map<String, Long> counts, String key, long n) {
        if (n > 0) {
            counts.put(key, n);
        }
    }

    private static String issue(int number, String created, String closed) {
        return "{\"number\":" + number + ",\"title\":\"issue " + number + "\",\"user\":{\"login\":\"octocat\"},\"labels\":[],\"state\":\""
                + (closed == null ? "open" : "closed") + "\",\"created_at\":\"" + created + "\",\"updated_at\":\""
                + (closed == null ? created : closed) + "\",\"closed_at\":" + (closed == null ? "null" : "\"" + closed + "\"") + "}";
    }
}
