package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.local.HangingTransactions.OpenTransaction;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which open transactions hold a partition past the grace, and the one line that names it (ours, foreign, unknown). */
class HangingTransactionsTest {
    private long now;
    private final HangingTransactions hanging = new HangingTransactions(Duration.ofSeconds(60), id -> id.startsWith("ghactivity-producer"),
            "127.0.0.1:9092", false, () -> now);

    private static final TopicPartition COMMITS_0 = new TopicPartition("github.commits", 0);
    private static final TopicPartition ISSUES_1 = new TopicPartition("github.issues", 1);

    @Test
    void aTransactionInProgressIsNotHangingButOneWhoseStartStaysPutPastTheGraceIsNamedWithTheAbortCommand() {
        OpenTransaction foreign = new OpenTransaction(COMMITS_0, 7, 12, "other-tool");
        assertThat(hanging.hanging(List.of(foreign))).isEmpty();
        now += Duration.ofSeconds(59).toNanos();
        assertThat(hanging.hanging(List.of(foreign))).isEmpty();
        now += Duration.ofSeconds(2).toNanos();
        assertThat(hanging.hanging(List.of(foreign))).hasValue("github.commits-0 is held by an open transaction of transactional.id "
                + "\"other-tool\" (not one of this stack's) since offset 12 for 61 s: read_committed readers (the streams-app) stop there, "
                + "so records committed after it are not counted; have its producer commit or abort it, or abort it: kafka-transactions.sh "
                + "--bootstrap-server 127.0.0.1:9092 abort --topic github.commits --partition 0 --start-offset 12");
    }

    @Test
    void aProducerThatCommitsAndOpensTheNextTransactionIsNeverHanging() {
        for (int i = 0; i < 10; i++) {
            // Each commit moves the start: another transaction, however often the producer is seen with one open.
            assertThat(hanging.hanging(List.of(new OpenTransaction(ISSUES_1, 3, 100L * i, "ghactivity-streams-x-0")))).isEmpty();
            now += Duration.ofSeconds(30).toNanos();
        }
        assertThat(hanging.hanging(List.of())).isEmpty();
        now += Duration.ofMinutes(5).toNanos();
        assertThat(hanging.hanging(List.of())).isEmpty();
    }

    @Test
    void oneOfOursSaysAnotherProcessUsesTheIdAndAnUnlistedOneNamesItsProducerId() {
        OpenTransaction ours = new OpenTransaction(ISSUES_1, 4, 40, "ghactivity-producer-webhooks");
        OpenTransaction unknown = new OpenTransaction(COMMITS_0, 9, 5, null);
        hanging.hanging(List.of(ours));
        now += Duration.ofSeconds(10).toNanos();
        hanging.hanging(List.of(ours, unknown));
        now += Duration.ofSeconds(55).toNanos();
        assertThat(hanging.hanging(List.of(ours, unknown))).as("the oldest first").hasValue("github.issues-1 is held by an open "
                + "transaction of transactional.id \"ghactivity-producer-webhooks\" (this stack's, initialised at its start: another "
                + "process uses it, or a killed run left it open) since offset 40 for 65 s: read_committed readers (the streams-app) stop there, so records committed "
                + "after it are not counted; stop the other process using that transactional.id, or abort it: kafka-transactions.sh "
                + "--bootstrap-server 127.0.0.1:9092 abort --topic github.issues --partition 1 --start-offset 40");
        now += Duration.ofSeconds(10).toNanos();
        assertThat(hanging.hanging(List.of(unknown))).hasValue("github.commits-0 is held by an open transaction of producer id 9 "
                + "(transactional.id unknown) since offset 5 for 65 s: read_committed readers (the streams-app) stop there, so records "
                + "committed after it are not counted; stop the producer that holds it, or abort it: kafka-transactions.sh "
                + "--bootstrap-server 127.0.0.1:9092 abort --topic github.commits --partition 0 --start-offset 5");
    }

    @Test
    void aChangelogHeldPastTheGraceSaysThatStateRestorationWaitsThere() {
        HangingTransactions changelogs = new HangingTransactions(Duration.ofSeconds(60), id -> id.startsWith("ghactivity-streams-"),
                "127.0.0.1:9092", false, () -> now, "the streams-app's state restoration reads each changelog to its end and waits there, "
                + "so it never reaches RUNNING");
        OpenTransaction held = new OpenTransaction(new TopicPartition("ghactivity-streams-commits-counted-changelog", 2), 1, 694, null);
        changelogs.hanging(List.of(held));
        now += Duration.ofSeconds(75).toNanos();
        assertThat(changelogs.hanging(List.of(held))).hasValue("ghactivity-streams-commits-counted-changelog-2 is held by an open "
                + "transaction of producer id 1 (transactional.id unknown) since offset 694 for 75 s: the streams-app's state restoration "
                + "reads each changelog to its end and waits there, so it never reaches RUNNING; stop the producer that holds it, or abort "
                + "it: kafka-transactions.sh --bootstrap-server 127.0.0.1:9092 abort --topic ghactivity-streams-commits-counted-changelog "
                + "--partition 2 --start-offset 694");
    }

    @Test
    void onTheStacksOwnBrokerTheLineSaysTheCommandWorksOnlyWhileAStackRunsOnTheSameDataDir() {
        HangingTransactions embedded = new HangingTransactions(Duration.ofSeconds(60), id -> false, "127.0.0.1:40123", true, () -> now);
        OpenTransaction foreign = new OpenTransaction(COMMITS_0, 7, 12, "other-tool");
        embedded.hanging(List.of(foreign));
        now += Duration.ofSeconds(61).toNanos();
        assertThat(embedded.hanging(List.of(foreign))).hasValue("github.commits-0 is held by an open transaction of transactional.id "
                + "\"other-tool\" (not one of this stack's) since offset 12 for 61 s: read_committed readers (the streams-app) stop there, "
                + "so records committed after it are not counted; have its producer commit or abort it, or abort it: kafka-transactions.sh "
                + "--bootstrap-server 127.0.0.1:40123 abort --topic github.commits --partition 0 --start-offset 12 (127.0.0.1:40123 is "
                + "this stack's embedded broker: it answers only while the stack runs, so start the stack again without --once on the "
                + "same --data-dir, which listens at the same address, and run the command meanwhile)");
    }
}
