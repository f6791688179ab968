package dev.ghactivity.producer.webhook;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import java.util.List;

/**
 * What one delivery means for the topics: events to publish (the same records and keys a poll would publish),
 * issues to tombstone, and, for a push whose payload does not list every commit it added, the range to compare.
 *
 * @param repo        {@code owner/name} as configured (lower case), or null when the delivery is ignored
 * @param ignored     why nothing is published (ping, another branch, an unconfigured repository, an unused event), or null
 * @param compareBase with {@code compareHead}: {@code GET compare/base...head} lists what the payload left out; null when complete
 */
record WebhookEvents(String repo, List<CommitEvent> commits, List<IssueEvent> issues, List<Long> goneIssues,
                     String compareBase, String compareHead, String ignored) {

    static WebhookEvents ignored(String why) {
        return new WebhookEvents(null, List.of(), List.of(), List.of(), null, null, why);
    }

    boolean isIgnored() {
        return ignored != null;
    }

    int size() {
        return commits.size() + issues.size() + goneIssues.size();
    }

    @Override
    public String toString() {
        return isIgnored() ? "ignored (" + ignored + ")"
                : repo + ": " + commits.size() + " commits, " + issues.size() + " issues, " + goneIssues.size() + " tombstones"
                + (compareBase == null ? "" : ", the rest by comparing " + compareBase + "..." + compareHead);
    }
}
