package dev.ghactivity.streams;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** Test records. */
final class Events {
    private Events() {
    }

    static Instant at(String isoWithOffset) {
        return OffsetDateTime.parse(isoWithOffset).toInstant();
    }

    static CommitEvent commit(String repo, String sha, String login, String authorDate, String committerDate) {
        return CommitEvent.newBuilder()
                .setRepo(repo).setSha(sha)
                .setAuthorName(login == null ? "Someone" : login).setAuthorEmail((login == null ? "someone" : login) + "@example.com")
                .setAuthorLogin(login)
                .setAuthorDate(at(authorDate)).setCommitterDate(at(committerDate))
                .setMessageHeadline("change " + sha).setParentsCount(1).setHtmlUrl(null)
                .setIngestedAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
    }

    /** A commit with the author's login (null when GitHub linked none) and e-mail as given; the name says nothing. */
    static CommitEvent commitBy(String repo, String sha, String login, String email, String authorDate) {
        return CommitEvent.newBuilder(commit(repo, sha, login, authorDate, authorDate))
                .setAuthorName("Alice Example").setAuthorLogin(login).setAuthorEmail(email).build();
    }

    static IssueEvent issue(String repo, long number, boolean pr, String createdAt, String closedAt, String mergedAt) {
        return IssueEvent.newBuilder()
                .setRepo(repo).setNumber(number).setIsPullRequest(pr)
                .setState(closedAt == null ? "open" : "closed").setTitle("issue " + number).setUserLogin("octocat")
                .setCreatedAt(at(createdAt)).setUpdatedAt(at(closedAt == null ? createdAt : closedAt))
                .setClosedAt(closedAt == null ? null : at(closedAt))
                .setMergedAt(mergedAt == null ? null : at(mergedAt))
                .setLabels(List.of()).setHtmlUrl(null)
                .setIngestedAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
    }
}
