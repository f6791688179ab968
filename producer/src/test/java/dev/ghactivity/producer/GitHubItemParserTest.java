package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.testkit.GitHubFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GitHubItemParserTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] fixture(String file) {
        return bytes(GitHubFixtures.json(file).toString());
    }

    private static String month(Instant t) {
        return YearMonth.from(t.atOffset(ZoneOffset.UTC)).toString();
    }

    @Test
    void theThirtyCommitPageGivesExactlyItsExpectedMonthsByAuthorAndCommitterDate() throws Exception {
        var parsed = GitHubItemParser.commits("a/b", fixture(GitHubFixtures.TIDBIT_COMMITS + ".json"), Instant.EPOCH);
        assertThat(parsed.malformed()).isEmpty();
        Map<String, Long> byAuthor = new TreeMap<>();
        Map<String, Long> byCommitter = new TreeMap<>();
        for (CommitEvent c : parsed.events()) {
            byAuthor.merge(month(c.getAuthorDate()), 1L, Long::sum);
            byCommitter.merge(month(c.getCommitterDate()), 1L, Long::sum);
        }
        assertThat(byAuthor).isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.TIDBIT_COMMITS, "commits_by_author_date_month_utc"));
        assertThat(byCommitter).isEqualTo(GitHubFixtures.expectedCounts(GitHubFixtures.TIDBIT_COMMITS, "commits_by_committer_date_month_utc"));
        assertThat(parsed.newest()).isEqualTo(Instant.parse("2018-06-15T23:48:16Z"));
        assertThat(parsed.events().get(0).getMessageHeadline()).isEqualTo("Merge pull request #234 from amilner42/161-base-msg");
    }

    @Test
    void theDocumentationExamplesAreOneCommitAndOnePullRequestOfApril2011() throws Exception {
        var commits = GitHubItemParser.commits("a/b", fixture(GitHubFixtures.EXAMPLE_COMMITS + ".json"), Instant.EPOCH);
        assertThat(commits.events()).extracting(c -> month(c.getAuthorDate())).containsExactly("2011-04");
        assertThat(commits.events().get(0).getAuthorLogin()).isEqualTo("octocat");
        var issues = GitHubItemParser.issues("a/b", fixture(GitHubFixtures.EXAMPLE_ISSUES + ".json"), Instant.EPOCH);
        assertThat(issues.events()).hasSize(1);
        IssueEvent pr = issues.events().get(0);
        assertThat(pr.getIsPullRequest()).isTrue();
        assertThat(month(pr.getCreatedAt())).isEqualTo("2011-04");
        assertThat(pr.getLabels()).contains("bug");
    }

    @Test
    void aComparisonGivesItsCommitsInOrderAndAnythingElseIsAMalformedPage() throws Exception {
        byte[] commits = fixture(GitHubFixtures.TIDBIT_COMMITS + ".json");
        byte[] comparison = bytes("{\"status\":\"ahead\",\"ahead_by\":30,\"commits\":" + new String(commits, java.nio.charset.StandardCharsets.UTF_8)
                + ",\"files\":[{\"filename\":\"a\"}]}");
        var parsed = GitHubItemParser.comparedCommits("a/b", comparison, Instant.EPOCH);
        assertThat(parsed.events()).isEqualTo(GitHubItemParser.commits("a/b", commits, Instant.EPOCH).events()).hasSize(30);

        for (String body : new String[] {"[]", "{\"status\":\"ahead\"}", "{\"commits\":{}}", "<html>502</html>"}) {
            assertThatThrownBy(() -> GitHubItemParser.comparedCommits("a/b", bytes(body), Instant.EPOCH)).as(body)
                    .isInstanceOf(MalformedPageException.class);
        }
    }

    @Test
    void aLegacyPullRequestObjectWithNullUrlsIsAPlainIssue() throws Exception {
        var parsed = GitHubItemParser.issues("a/b", bytes("""
                [{"number":1,"title":"plain","created_at":"2012-01-01T00:00:00Z","updated_at":"2012-01-02T00:00:00Z",
                  "closed_at":null,"state":"open","pull_request":{"url":null,"html_url":null,"diff_url":null,"patch_url":null}},
                 {"number":2,"title":"pr","created_at":"2012-01-01T00:00:00Z","updated_at":"2012-03-02T00:00:00Z",
                  "closed_at":"2012-03-02T00:00:00Z","state":"closed",
                  "pull_request":{"url":null,"html_url":"https://github.com/a/b/pull/2","merged_at":"2012-03-02T00:00:00Z"}}]
                """), Instant.EPOCH);
        assertThat(parsed.events()).extracting(IssueEvent::getNumber, IssueEvent::getIsPullRequest)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, false), org.assertj.core.groups.Tuple.tuple(2L, true));
        assertThat(parsed.events().get(1).getMergedAt()).isEqualTo(Instant.parse("2012-03-02T00:00:00Z"));
        assertThat(parsed.events().get(0).getMergedAt()).isNull();
    }

    @Test
    void authorAndCommitterDatesInDifferentMonthsAndOddOffsetsAreKeptAsInstants() throws Exception {
        var parsed = GitHubItemParser.commits("a/b", bytes("""
                [{"sha":"0123456789abcdef0123456789abcdef01234567","commit":{"author":{"name":"A","email":"a@x","date":"2012-02-29T20:30:00-08:00"},
                  "committer":{"name":"C","email":"c@x","date":"2012-03-01T05:45:00+05:45"},"message":"x"},"parents":[]}]
                """), Instant.EPOCH);
        CommitEvent c = parsed.events().get(0);
        assertThat(c.getAuthorDate()).isEqualTo(Instant.parse("2012-03-01T04:30:00Z"));
        assertThat(c.getCommitterDate()).isEqualTo(Instant.parse("2012-03-01T00:00:00Z"));
        assertThat(c.getAuthorLogin()).isNull();
    }

    @Test
    void itemsWithoutShaNumberOrDatesAreCountedAndSkippedWhileTheRestCounts() throws Exception {
        var commits = GitHubItemParser.commits("a/b", bytes("""
                [{"commit":{"author":{"date":"2020-01-01T00:00:00Z"}}},
                 {"sha":"0123456789abcdef0123456789abcdef01234567","commit":{}},
                 {"sha":"1123456789abcdef0123456789abcdef01234567","commit":{"author":{"date":"not a date"}}},
                 {"sha":"2123456789abcdef0123456789abcdef01234567","commit":{"author":{"date":"2020-01-01T00:00:00Z"}}}]
                """), Instant.EPOCH);
        assertThat(commits.events()).extracting(CommitEvent::getSha).containsExactly("2123456789abcdef0123456789abcdef01234567");
        assertThat(commits.malformed()).hasSize(3);
        var issues = GitHubItemParser.issues("a/b", bytes("""
                [{"title":"no number","created_at":"2020-01-01T00:00:00Z"},{"number":5,"title":"no dates"},
                 {"number":6,"title":"🎉 ünïcødé","created_at":"2020-01-01T00:00:00Z","updated_at":"2020-01-01T00:00:00Z"}]
                """), Instant.EPOCH);
        assertThat(issues.events()).extracting(IssueEvent::getTitle).containsExactly("🎉 ünïcødé");
        assertThat(issues.malformed()).hasSize(2);
    }

    @Test
    void fieldsThatOlderOrEnterpriseServersLeaveOutAreListedAsMissingNeverReadAsFalse() throws Exception {
        var issues = GitHubItemParser.issues("a/b", bytes("""
                [{"number":1,"state":"closed","created_at":"2020-01-01T00:00:00Z","updated_at":"2020-02-01T00:00:00Z"},
                 {"number":2,"state":"closed","created_at":"2020-01-01T00:00:00Z","updated_at":"2020-02-01T00:00:00Z",
                  "pull_request":{"url":"https://api.github.com/repos/a/b/pulls/2"}},
                 {"number":3,"state":"open","created_at":"2020-01-01T00:00:00Z","html_url":"https://github.com/a/b/pull/3"},
                 {"number":4,"created_at":"2020-01-01T00:00:00Z"},
                 {"number":5,"state":"closed","created_at":"2020-01-01T00:00:00Z","closed_at":null,
                  "pull_request":{"url":"https://api.github.com/repos/a/b/pulls/5","merged_at":null}}]
                """), Instant.EPOCH);
        assertThat(issues.malformed()).isEmpty();
        assertThat(issues.events()).extracting(IssueEvent::getNumber, IssueEvent::getIsPullRequest, IssueEvent::getState)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, false, "closed"), org.assertj.core.groups.Tuple.tuple(2L, true, "closed"),
                        org.assertj.core.groups.Tuple.tuple(3L, true, "open"), org.assertj.core.groups.Tuple.tuple(4L, false, "unknown"),
                        org.assertj.core.groups.Tuple.tuple(5L, true, "closed"));
        assertThat(issues.missing()).containsExactly("#1: closed_at (closed; its month is unknown)",
                "#2: pull_request.merged_at (closed; merged or not is unknown)",
                "#3: pull_request (a pull request by its html_url; merged_at unknown)", "#4: state");
        var commits = GitHubItemParser.commits("a/b", bytes("""
                [{"sha":"2123456789abcdef0123456789abcdef01234567","commit":{"author":{"date":"2020-01-01T00:00:00Z"}}},
                 {"sha":"3123456789abcdef0123456789abcdef01234567","commit":{"author":{"date":"2020-01-01T00:00:00Z"}},"parents":[]}]
                """), Instant.EPOCH);
        assertThat(commits.missing()).containsExactly("2123456789abcdef0123456789abcdef01234567: parents");
    }

    @Test
    void anItemOfTheWrongShapeIsSkippedAndTheItemsAfterItStillCount() throws Exception {
        var commits = GitHubItemParser.commits("a/b", bytes("""
                [{"sha":"0123456789abcdef0123456789abcdef01234567","commit":"not an object","parents":[]},
                 {"sha":"1123456789abcdef0123456789abcdef01234567","commit":{"author":{"date":"2020-01-01T00:00:00Z"}},"parents":{"x":1}},
                 {"sha":"2123456789abcdef0123456789abcdef01234567","commit":{"author":{"date":"2020-02-01T00:00:00Z"},"message":"ok"},
                  "parents":[{"sha":"a"},{"sha":"b"}],"author":{"login":"octocat","id":1}}]
                """), Instant.EPOCH);
        assertThat(commits.events()).extracting(CommitEvent::getSha).containsExactly("2123456789abcdef0123456789abcdef01234567");
        assertThat(commits.events().get(0).getParentsCount()).isEqualTo(2);
        assertThat(commits.events().get(0).getAuthorLogin()).isEqualTo("octocat");
        assertThat(commits.malformed()).hasSize(2);
    }

    @Test
    void aHugeTitleIsTruncatedWithoutSplittingAnEmoji() throws Exception {
        String title = "x".repeat(999) + "🎉".repeat(10);
        var issues = GitHubItemParser.issues("a/b", bytes("[{\"number\":1,\"title\":\"" + title
                + "\",\"created_at\":\"2020-01-01T00:00:00Z\",\"updated_at\":\"2020-01-01T00:00:00Z\"}]"), Instant.EPOCH);
        String kept = issues.events().get(0).getTitle();
        assertThat(kept).hasSize(999);
        assertThat(kept.codePoints().allMatch(cp -> cp == 'x')).isTrue();
    }

    @Test
    void anEmptyListingHasNoEventsAndNothingMalformed() throws Exception {
        var commits = GitHubItemParser.commits("a/b", bytes(" [ ] "), Instant.EPOCH);
        assertThat(commits.events()).isEmpty();
        assertThat(commits.malformed()).isEmpty();
        assertThat(commits.newest()).isNull();
        var issues = GitHubItemParser.issues("a/b", bytes("[]"), Instant.EPOCH);
        assertThat(issues.events()).isEmpty();
        assertThat(issues.malformed()).isEmpty();
    }

    @Test
    void aPageThatIsNotAJsonArrayIsMalformed() {
        assertThatThrownBy(() -> GitHubItemParser.commits("a/b", bytes("<html>502</html>"), Instant.EPOCH))
                .isInstanceOf(MalformedPageException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> GitHubItemParser.issues("a/b", bytes("{\"message\":\"x\"}"), Instant.EPOCH))
                .isInstanceOf(MalformedPageException.class).hasMessageContaining("array");
    }
}
