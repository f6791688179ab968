package dev.ghactivity.streams;

import static dev.ghactivity.streams.Events.commit;
import static dev.ghactivity.streams.Events.commitBy;
import static dev.ghactivity.streams.Events.issue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MonthlyActivityTopologyTest {
    private static final String REPO = "octo/repo";

    private TopologyTestDriver driver;
    private TestInputTopic<String, CommitEvent> commits;
    private TestInputTopic<String, IssueEvent> issues;
    private TestOutputTopic<String, MonthlyActivity> output;

    private void start(StreamsAppConfig config) {
        driver = new TopologyTestDriver(MonthlyActivityTopology.build(config), config.toStreamsProperties());
        commits = driver.createInputTopic(Topics.COMMITS, new StringSerializer(), AvroSerdes.commitEvent().serializer());
        issues = driver.createInputTopic(Topics.ISSUES, new StringSerializer(), AvroSerdes.issueEvent().serializer());
        output = driver.createOutputTopic(Topics.MONTHLY_ACTIVITY, new StringDeserializer(), AvroSerdes.monthlyActivity().deserializer());
    }

    private void start() {
        start(config().build());
    }

    private static StreamsAppConfig.Builder config() {
        return StreamsAppConfig.builder().bootstrapServers("unused:9092").applicationId("test")
                .cacheMaxBytes(0); // every update reaches the output: the assertions see the final state either way
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** Everything read from the output so far, folded like a compacted topic. */
    private final Map<String, String> state = new TreeMap<>();

    /** Lets wall-clock time pass for one punctuation of the aggregator: it emits the pending months. */
    private void emit() {
        driver.advanceWallClockTime(MonthlyAggregator.EMIT_INTERVAL);
    }

    /** The latest value per key after the next emission, as a compacted topic ends up; tombstones remove. */
    private Map<String, String> finalOutput() {
        emit();
        Map<String, String> result = state;
        output.readKeyValuesToList().forEach(kv -> {
            if (kv.value == null) {
                result.remove(kv.key);
            } else {
                result.put(kv.key, counts(kv.value));
            }
        });
        return new TreeMap<>(result);
    }

    /** The whole row, as {@link BrokerTopics#wholeRow}. */
    private static String counts(MonthlyActivity a) {
        return BrokerTopics.wholeRow(a);
    }

    private static Map<String, String> expect(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private void pipe(CommitEvent c) {
        commits.pipeInput(c.getRepo() + "@" + c.getSha(), c);
    }

    private void pipe(IssueEvent i) {
        issues.pipeInput(i.getRepo() + "#" + i.getNumber(), i);
    }

    @Test
    void countsCommitsAndDistinctAuthorsPerMonthAndTheSameCommitTwiceCountsOnce() {
        start();
        pipe(commit(REPO, "a1", "alice", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z"));
        pipe(commit(REPO, "a2", "alice", "2024-01-06T10:00:00Z", "2024-01-06T10:00:00Z"));
        pipe(commit(REPO, "b1", "bob", "2024-01-07T10:00:00Z", "2024-01-07T10:00:00Z"));
        pipe(commit(REPO, "b1", "bob", "2024-01-07T10:00:00Z", "2024-01-07T10:00:00Z")); // re-polled
        pipe(commit(REPO, "c1", null, "2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z"));
        pipe(commit("other/repo", "x1", "alice", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"));

        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "3/2/0/0/0/0 0/0/2 -,- -,-",
                "octo/repo|2024-02", "1/1/0/0/0/0 0/0/1 -,- -,-",
                "other/repo|2024-01", "1/1/0/0/0/0 0/0/1 -,- -,-"));
    }

    @Test
    void aRepolledItemWithTheSameCountsEmitsNothing() {
        start();
        CommitEvent c = commit(REPO, "a1", "alice", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z");
        pipe(c);
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", null, null));
        emit();
        assertThat(output.readKeyValuesToList()).extracting(kv -> kv.key + " " + counts(kv.value)) // the last is January's total
                .last().isEqualTo("octo/repo|2024-01 1/1/1/0/0/0 0/0/1 -,- -,-");
        c.setIngestedAt(Instant.parse("2026-06-01T00:00:00Z")); // same commit, polled again later
        pipe(c);
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", null, null));
        emit();
        assertThat(output.isEmpty()).isTrue();
    }

    @Test
    void manyChangesOfOneMonthBetweenTwoEmissionsGiveOneRowWithTheFinalValues() {
        start();
        // The driver's clock stands still between records: only the first after a start or an emit() comes "after a
        // pause" and is emitted at once, as a lone change.
        pipe(commit("other/repo", "x1", "alice", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z"));
        for (int i = 0; i < 50; i++) {
            pipe(commit(REPO, "c" + i, "dev" + (i % 7), "2024-01-" + String.format("%02d", 1 + i % 28) + "T10:00:00Z",
                    "2024-01-01T10:00:00Z"));
        }
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", "2024-01-11T00:00:00Z", null));
        assertThat(output.readKeyValuesToList()).as("nothing of octo/repo before the punctuation").extracting(kv -> kv.key)
                .containsExactly("other/repo|2024-01");
        emit();
        assertThat(output.readKeyValuesToList()).extracting(kv -> kv.key + " " + counts(kv.value))
                .containsExactly("octo/repo|2024-01 50/7/1/1/0/0 0/0/7 -,- 24.0,24.0");
        emit();
        assertThat(output.isEmpty()).as("an emitted month is not emitted again").isTrue();
    }

    @Test
    void aMonthThatGoesToZeroIsOneTombstoneAndAMonthAddedAndRemovedBetweenEmissionsTooWithNoRowBefore() {
        start();
        pipe(commit(REPO, "a1", "alice", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z"));
        pipe(commit(REPO, "a2", "alice", "2024-01-06T10:00:00Z", "2024-01-06T10:00:00Z"));
        emit();
        assertThat(output.readKeyValuesToList()).extracting(kv -> kv.key + " " + counts(kv.value))
                .last().isEqualTo("octo/repo|2024-01 2/1/0/0/0/0 0/0/1 -,- -,-");
        pipe(commit("other/repo", "x1", "alice", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z")); // the lone one after emit()
        assertThat(output.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("other/repo|2024-01");
        commits.pipeInput(REPO + "@a1", null);
        commits.pipeInput(REPO + "@a2", null);
        pipe(commit(REPO, "b1", "bob", "2024-03-05T10:00:00Z", "2024-03-05T10:00:00Z"));
        commits.pipeInput(REPO + "@b1", null);
        emit();
        // A tombstone for each month that ended empty: January had a row; March's tombstone deletes nothing.
        assertThat(output.readKeyValuesToList()).extracting(kv -> kv.key + " " + kv.value)
                .containsExactly("octo/repo|2024-01 null", "octo/repo|2024-03 null");
    }

    @Test
    void authorDateByDefaultCommitterDateWhenConfigured() {
        CommitEvent c = commit(REPO, "a1", "alice", "2024-01-31T23:00:00Z", "2024-02-01T01:00:00Z");
        start();
        pipe(c);
        assertThat(finalOutput()).isEqualTo(expect("octo/repo|2024-01", "1/1/0/0/0/0 0/0/1 -,- -,-"));
        driver.close();
        state.clear();

        start(config().commitDateField(StreamsAppConfig.CommitDateField.COMMITTER).build());
        pipe(c);
        assertThat(finalOutput()).isEqualTo(expect("octo/repo|2024-02", "1/1/0/0/0/0 0/0/1 -,- -,-"));
    }

    @Test
    void aCommitOfTwentyTwelveNearMidnightWithANegativeOffsetFallsInTheNextMonthInUtc() {
        start();
        // 2012-02-29T20:30-08:00 is 2012-03-01T04:30Z.
        pipe(commit(REPO, "leap", "alice", "2012-02-29T20:30:00-08:00", "2012-02-29T20:30:00-08:00"));
        assertThat(finalOutput()).isEqualTo(expect("octo/repo|2012-03", "1/1/0/0/0/0 0/0/1 -,- -,-"));
        driver.close();
        state.clear();

        start(config().zone(ZoneId.of("America/Los_Angeles")).build());
        pipe(commit(REPO, "leap", "alice", "2012-02-29T20:30:00-08:00", "2012-02-29T20:30:00-08:00"));
        assertThat(finalOutput()).isEqualTo(expect("octo/repo|2012-02", "1/1/0/0/0/0 0/0/1 -,- -,-"));
    }

    @Test
    void anIssueOpenedClosedReopenedAndClosedAgainCountsOneOpenAndOneCloseInTheLastCloseMonth() {
        start();
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", null, null));
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", "2024-02-10T00:00:00Z", null));
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/1/0/0/0 0/0/0 -,- -,-",
                "octo/repo|2024-02", "0/0/0/1/0/0 0/0/0 -,- 744.0,744.0"));
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", null, null)); // re-opened: the close goes away
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", "2024-03-10T00:00:00Z", null));
        Map<String, String> state = finalOutput();
        assertThat(state).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/1/0/0/0 0/0/0 -,- -,-",
                "octo/repo|2024-03", "0/0/0/1/0/0 0/0/0 -,- 1440.0,1440.0"));
    }

    @Test
    void outputTopicHoldsAbsoluteValuesAndARetractedMonthIsDeleted() {
        start();
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", null, null));
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", "2024-02-10T00:00:00Z", null));
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", null, null));
        // February's only activity was retracted: its row is deleted (tombstone), January stays.
        assertThat(finalOutput()).isEqualTo(expect("octo/repo|2024-01", "0/0/1/0/0/0 0/0/0 -,- -,-"));
    }

    @Test
    void aPullRequestOpenedInOneMonthAndMergedInAnotherCountsInBoth() {
        start();
        pipe(issue(REPO, 7, true, "2024-01-30T00:00:00Z", null, null));
        pipe(issue(REPO, 7, true, "2024-01-30T00:00:00Z", "2024-03-02T00:00:00Z", "2024-03-02T00:00:00Z"));
        pipe(issue(REPO, 8, true, "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z", null)); // closed unmerged
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/0/0/2/0 0/0/0 -,- -,-",
                "octo/repo|2024-02", "0/0/0/0/0/0 1/0/0 -,- -,-", // #8 closed unmerged
                "octo/repo|2024-03", "0/0/0/0/0/1 0/0/0 768.0,768.0 -,-")); // #7: 32 days from open to merge
    }

    @Test
    void aTombstoneTakesAnIssueOutOfEveryCount() {
        start();
        pipe(issue(REPO, 1, false, "2024-01-10T00:00:00Z", "2024-02-10T00:00:00Z", null));
        pipe(issue(REPO, 2, false, "2024-01-11T00:00:00Z", null, null));
        pipe(commit(REPO, "a1", "alice", "2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z"));
        issues.pipeInput(REPO + "#1", null); // deleted or transferred
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/1/0/0/0 0/0/0 -,- -,-",
                "octo/repo|2024-02", "1/1/0/0/0/0 0/0/1 -,- -,-"));
    }

    @Test
    void historyArrivingLateIsCountedNotDropped() {
        start();
        commits.pipeInput(REPO + "@new", commit(REPO, "new", "alice", "2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:00Z"));
        commits.pipeInput(REPO + "@old", commit(REPO, "old", "bob", "2006-03-01T00:00:00Z", "2006-03-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:01Z"));
        issues.pipeInput(REPO + "#1", issue(REPO, 1, false, "2006-04-01T00:00:00Z", "2006-05-01T00:00:00Z", null),
                Instant.parse("2026-01-01T00:00:02Z"));
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2006-03", "1/1/0/0/0/0 0/0/1 -,- -,-",
                "octo/repo|2006-04", "0/0/1/0/0/0 0/0/0 -,- -,-",
                "octo/repo|2006-05", "0/0/0/1/0/0 0/0/0 -,- 720.0,720.0",
                "octo/repo|2024-05", "1/1/0/0/0/0 0/0/1 -,- -,-"));
    }

    @Test
    void recordsCarryRepoMonthAndTheInputTimestampAsUpdatedAt() {
        start();
        commits.pipeInput(REPO + "@a", commit(REPO, "a", "alice", "2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"),
                Instant.parse("2026-02-03T04:05:06Z"));
        commits.pipeInput(REPO + "@b", commit(REPO, "b", "bob", "2024-05-02T00:00:00Z", "2024-05-02T00:00:00Z"),
                Instant.parse("2026-02-03T04:05:07Z"));
        emit();
        java.util.List<MonthlyActivity> rows = output.readValuesToList();
        MonthlyActivity a = rows.get(rows.size() - 1);
        assertThat(a.getRepo()).isEqualTo(REPO);
        assertThat(a.getMonth()).isEqualTo("2024-05");
        assertThat(a.getUpdatedAt()).as("the last change of the month").isEqualTo(Instant.parse("2026-02-03T04:05:07Z"));
    }

    @Test
    void aPoisonRecordIsSkippedAndTheRestIsCounted() {
        start();
        driver.createInputTopic(Topics.COMMITS, new StringSerializer(), new ByteArraySerializer())
                .pipeInput(REPO + "@bad", "not avro".getBytes());
        pipe(commit(REPO, "a1", "alice", "2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z"));
        assertThat(finalOutput()).isEqualTo(expect("octo/repo|2024-01", "1/1/0/0/0/0 0/0/1 -,- -,-"));
    }

    @Test
    void closeTimesArePerMonthNearestRankPercentilesAndMoveWithAReopenedIssue() {
        start();
        pipe(issue(REPO, 1, false, "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", null)); // 1 h
        pipe(issue(REPO, 2, false, "2024-01-01T00:00:00Z", "2024-01-01T02:00:00Z", null)); // 2 h
        pipe(issue(REPO, 3, false, "2024-01-01T00:00:00Z", "2024-01-01T03:30:00Z", null)); // 3.5 h
        pipe(issue(REPO, 4, false, "2024-01-01T00:00:00Z", "2024-01-01T10:00:00Z", null)); // 10 h
        pipe(issue(REPO, 5, true, "2024-01-01T00:00:00Z", "2024-01-01T05:00:00Z", "2024-01-01T05:00:00Z")); // a PR: merge time only
        // n = 4: p50 at rank ceil(2) = 2 -> 2 h, p90 at rank ceil(3.6) = 4 -> 10 h
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/4/4/1/1 0/0/0 5.0,5.0 2.0,10.0"));

        pipe(issue(REPO, 4, false, "2024-01-01T00:00:00Z", null, null)); // re-opened: its 10 h leave January
        // n = 3: p50 at rank ceil(1.5) = 2 -> 2 h, p90 at rank ceil(2.7) = 3 -> 3.5 h
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/4/3/1/1 0/0/0 5.0,5.0 2.0,3.5"));

        pipe(issue(REPO, 4, false, "2024-01-01T00:00:00Z", "2024-02-01T12:00:00Z", null)); // closed again: 31.5 days
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/4/3/1/1 0/0/0 5.0,5.0 2.0,3.5",
                "octo/repo|2024-02", "0/0/0/1/0/0 0/0/0 -,- 756.0,756.0"));

        issues.pipeInput(REPO + "#2", null); // deleted: its 2 h leave too; n = 2: p50 rank 1 -> 1 h, p90 rank 2 -> 3.5 h
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/3/2/1/1 0/0/0 5.0,5.0 1.0,3.5",
                "octo/repo|2024-02", "0/0/0/1/0/0 0/0/0 -,- 756.0,756.0"));
    }

    @Test
    void mergeTimesCountEqualDurationsOnceEachAndAPullRequestClosedUnmergedHasNone() {
        start();
        pipe(issue(REPO, 1, true, "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")); // 1440 h
        pipe(issue(REPO, 2, true, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")); // 696 h
        pipe(issue(REPO, 3, true, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z")); // 696 h
        pipe(issue(REPO, 4, true, "2024-02-10T00:00:00Z", "2024-03-05T00:00:00Z", null)); // closed without merge
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/0/0/1/0 0/0/0 -,- -,-",
                "octo/repo|2024-02", "0/0/0/0/3/0 0/0/0 -,- -,-",
                "octo/repo|2024-03", "0/0/0/0/0/3 1/0/0 696.0,1440.0 -,-"));
        pipe(issue(REPO, 3, true, "2024-02-01T00:00:00Z", null, null)); // one of the two equal ones re-opened
        pipe(issue(REPO, 4, true, "2024-02-10T00:00:00Z", null, null)); // re-opened: no longer closed unmerged
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "0/0/0/0/1/0 0/0/0 -,- -,-",
                "octo/repo|2024-02", "0/0/0/0/3/0 0/0/0 -,- -,-",
                "octo/repo|2024-03", "0/0/0/0/0/2 0/0/0 696.0,1440.0 -,-"));
    }

    @Test
    void botsCountInCommitsAndBotCommitsButAreNoAuthors() {
        start();
        pipe(commitBy(REPO, "d1", "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", "2024-01-02T00:00:00Z"));
        pipe(commitBy(REPO, "d2", null, "49699333+dependabot[bot]@users.noreply.github.com", "2024-01-03T00:00:00Z"));
        pipe(commitBy(REPO, "g1", "github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com", "2024-02-03T00:00:00Z"));
        pipe(commitBy(REPO, "a1", "alice", "alice@example.com", "2024-01-04T00:00:00Z"));
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "3/1/0/0/0/0 0/2/1 -,- -,-",
                "octo/repo|2024-02", "1/0/0/0/0/0 0/1/0 -,- -,-"));
    }

    @Test
    void aNoreplyAddressIsItsLoginAndANameAloneIsNeverMatched() {
        start();
        pipe(commitBy(REPO, "a1", "Alice", "alice@example.com", "2024-01-02T00:00:00Z"));
        pipe(commitBy(REPO, "a2", null, "1234+alice@users.noreply.github.com", "2024-01-03T00:00:00Z")); // same person
        pipe(commitBy(REPO, "a3", null, "ALICE@users.noreply.github.com", "2024-02-03T00:00:00Z")); // older noreply form
        pipe(commitBy(REPO, "x1", null, "Alice@Example.com", "2024-02-04T00:00:00Z")); // an address GitHub linked to no login
        pipe(commitBy(REPO, "x2", null, "someone.else@example.org", "2024-02-05T00:00:00Z")); // same name "Alice Example"
        pipe(commitBy(REPO, "x3", null, null, "2024-02-06T00:00:00Z")); // name only: no known author
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-01", "2/1/0/0/0/0 0/0/1 -,- -,-",
                "octo/repo|2024-02", "4/3/0/0/0/0 0/0/2 -,- -,-"));
    }

    @Test
    void aFirstCommitArrivingByLateBackfillMovesTheNewContributorToItsMonth() {
        start();
        pipe(commitBy(REPO, "b2", "bob", "bob@example.com", "2024-03-10T00:00:00Z"));
        pipe(commitBy(REPO, "b3", "bob", "bob@example.com", "2024-04-10T00:00:00Z"));
        pipe(commitBy(REPO, "c1", "carol", "carol@example.com", "2024-04-11T00:00:00Z"));
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-03", "1/1/0/0/0/0 0/0/1 -,- -,-",
                "octo/repo|2024-04", "2/2/0/0/0/0 0/0/1 -,- -,-"));

        pipe(commitBy(REPO, "b1", "bob", "bob@example.com", "2023-11-01T00:00:00Z")); // older history, read later
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2023-11", "1/1/0/0/0/0 0/0/1 -,- -,-",
                "octo/repo|2024-03", "1/1/0/0/0/0 0/0/0 -,- -,-",
                "octo/repo|2024-04", "2/2/0/0/0/0 0/0/1 -,- -,-"));

        commits.pipeInput(REPO + "@b1", null); // gone again (a force push): March is bob's first month again
        commits.pipeInput(REPO + "@b2", null); // and then April
        assertThat(finalOutput()).isEqualTo(expect(
                "octo/repo|2024-04", "2/2/0/0/0/0 0/0/2 -,- -,-"));
    }

    @Test
    void everyStoreProcessorAndRepartitionTopicHasAnExplicitNameAndThereIsOneRepartition() {
        TopologyDescription description = MonthlyActivityTopology.build(config().build()).describe();
        String text = description.toString();
        assertThat(text).doesNotContainPattern("KSTREAM-|KTABLE-|KSTREAM_|KTABLE_");
        assertThat(text).contains(MonthlyActivityTopology.COMMITS_COUNTED_STORE, MonthlyActivityTopology.ISSUES_COUNTED_STORE,
                MonthlyActivityTopology.MONTH_COUNTERS_STORE, MonthlyActivityTopology.PENDING_MONTHS_STORE, MonthlyActivityTopology.DURATIONS_STORE,
                MonthlyActivityTopology.AUTHOR_MONTHS_STORE, MonthlyActivityTopology.FIRST_COMMIT_MONTHS_STORE,
                MonthlyActivityTopology.MONTHLY_ACTIVITY_STORE, "emit-on-change", "contributions-by-repo-repartition");
        assertThat(java.util.regex.Pattern.compile("[\\w.-]+-repartition").matcher(text).results()
                .map(java.util.regex.MatchResult::group).distinct()).containsExactly("contributions-by-repo-repartition");
        assertThat(description.subtopologies()).hasSize(2);
    }
}
