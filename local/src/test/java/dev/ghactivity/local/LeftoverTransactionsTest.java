package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.local.LeftoverTransactions.CoordinatorView;
import dev.ghactivity.local.LeftoverTransactions.Leftover;
import dev.ghactivity.local.LeftoverTransactions.OpenOnPartition;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which transactions open on a partition no coordinator will ever end, and which of them may be aborted there. */
class LeftoverTransactionsTest {
    private static final TopicPartition CHANGELOG_2 = new TopicPartition("ghactivity-streams-commits-counted-changelog", 2);
    private static final TopicPartition REPARTITION_0 = new TopicPartition("ghactivity-streams-contributions-by-repo-repartition", 0);
    private static final String STREAMS_ID = "ghactivity-streams-9d973e16-1";

    private static OpenOnPartition open(TopicPartition tp, long producerId) {
        return new OpenOnPartition(tp, producerId, 46, 0, 700);
    }

    @Test
    void aTransactionTheCoordinatorCompletedAsAnAbortWithoutMarkingThePartitionIsAbortedThere() {
        // What the restarted broker left: the coordinator dropped both partitions (no leader while fenced) and completed.
        Map<Long, CoordinatorView> views = Map.of(1L, new CoordinatorView(STREAMS_ID, TransactionState.COMPLETE_ABORT, Set.of()));
        List<Leftover> leftovers = LeftoverTransactions.leftovers(List.of(open(CHANGELOG_2, 1), open(REPARTITION_0, 1)), views);
        assertThat(leftovers).containsExactly(new Leftover(open(CHANGELOG_2, 1), views.get(1L), true),
                new Leftover(open(REPARTITION_0, 1), views.get(1L), true));
    }

    @Test
    void aTransactionTheCoordinatorStillHoldsIsLeftToIt() {
        // Ongoing (the new run's initTransactions fences it) or with its markers on their way: not ours to end.
        for (TransactionState state : List.of(TransactionState.ONGOING, TransactionState.PREPARE_ABORT, TransactionState.PREPARE_COMMIT)) {
            Map<Long, CoordinatorView> views = Map.of(1L, new CoordinatorView(STREAMS_ID, state, Set.of(CHANGELOG_2, REPARTITION_0)));
            assertThat(LeftoverTransactions.leftovers(List.of(open(CHANGELOG_2, 1), open(REPARTITION_0, 1)), views)).as(state.name()).isEmpty();
        }
    }

    @Test
    void aPartitionDroppedFromATransactionBeingAbortedIsAbortedButOneDroppedFromACommitIsOnlyReported() {
        OpenOnPartition changelog = open(CHANGELOG_2, 1);
        Map<Long, CoordinatorView> aborting = Map.of(1L, new CoordinatorView(STREAMS_ID, TransactionState.PREPARE_ABORT, Set.of(REPARTITION_0)));
        assertThat(LeftoverTransactions.leftovers(List.of(changelog), aborting)).containsExactly(new Leftover(changelog, aborting.get(1L), true));
        for (TransactionState state : List.of(TransactionState.PREPARE_COMMIT, TransactionState.COMPLETE_COMMIT)) {
            Map<Long, CoordinatorView> committing = Map.of(1L, new CoordinatorView(STREAMS_ID, state, Set.of()));
            assertThat(LeftoverTransactions.leftovers(List.of(changelog), committing)).as(state.name())
                    .containsExactly(new Leftover(changelog, committing.get(1L), false));
        }
    }

    @Test
    void aProducerIdTheCoordinatorNoLongerKnowsIsAborted() {
        assertThat(LeftoverTransactions.leftovers(List.of(open(CHANGELOG_2, 9)), Map.of()))
                .containsExactly(new Leftover(open(CHANGELOG_2, 9), null, true));
    }
}
