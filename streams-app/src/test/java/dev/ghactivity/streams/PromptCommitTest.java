package dev.ghactivity.streams;

import static dev.ghactivity.streams.Events.commit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.CommitEvent;
import java.time.ZoneOffset;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** A change that comes after a pause is committed at once; back-to-back changes wait for the commit interval. */
class PromptCommitTest {
    private static final String REPO = "octo/repo";

    private final MockProcessorContext<String, ContributionChange> context = new MockProcessorContext<>();
    private final ContributionChanges<CommitEvent> processor = new ContributionChanges<>(MonthlyActivityTopology.COMMITS_COUNTED_STORE,
            c -> ItemContributions.ofCommit(c, ZoneOffset.UTC, false));

    PromptCommitTest() {
        KeyValueStore<String, ItemContributions> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(MonthlyActivityTopology.COMMITS_COUNTED_STORE), Serdes.String(), ContributionChange.itemSerde())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        processor.init(context);
    }

    @Test
    void aLoneChangeCommitsAtOnceAStreamOfChangesWaitsForTheIntervalAndAnUnchangedItemNeverCommits() {
        context.setCurrentSystemTimeMs(1_000);
        process("a1", "2024-01-05T10:00:00Z");
        assertThat(context.forwarded()).hasSize(1);
        assertThat(context.committed()).as("the first change after a pause").isTrue();

        context.resetCommit();
        context.setCurrentSystemTimeMs(1_001);
        process("a2", "2024-01-06T10:00:00Z");
        context.setCurrentSystemTimeMs(1_002);
        process("a3", "2024-01-07T10:00:00Z");
        assertThat(context.forwarded()).hasSize(3);
        assertThat(context.committed()).as("changes a millisecond apart: a backfill, committed by the interval").isFalse();

        context.setCurrentSystemTimeMs(1_002 + PromptCommit.PAUSE_MS);
        process("a3", "2024-01-07T10:00:00Z"); // re-polled: counts where it did
        assertThat(context.forwarded()).hasSize(3);
        assertThat(context.committed()).as("nothing changed, nothing to hurry").isFalse();

        context.setCurrentSystemTimeMs(2_000);
        process("a4", "2024-02-01T10:00:00Z");
        assertThat(context.forwarded()).hasSize(4);
        assertThat(context.committed()).as("a change after a pause").isTrue();

        // Slow commits (a replicated cluster) are pauses themselves: at most one requested commit per interval.
        context.resetCommit();
        context.setCurrentSystemTimeMs(2_000 + PromptCommit.MIN_REQUEST_GAP_MS / 2);
        process("a5", "2024-02-02T10:00:00Z");
        assertThat(context.forwarded()).hasSize(5);
        assertThat(context.committed()).as("a pause, but the last request was half an interval ago").isFalse();
        context.setCurrentSystemTimeMs(2_000 + PromptCommit.MIN_REQUEST_GAP_MS);
        process("a6", "2024-02-03T10:00:00Z");
        assertThat(context.committed()).as("a pause an interval after the last request").isTrue();
    }

    private void process(String sha, String date) {
        processor.process(new Record<>(REPO + "@" + sha, commit(REPO, sha, "alice", date, date), context.currentSystemTimeMs()));
    }
}
