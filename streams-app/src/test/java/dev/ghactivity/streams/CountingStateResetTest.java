package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CountingStateResetTest {
    @Test
    void theInternalTopicsOfAnApplicationWhoseIdExtendsThisOneAreNotItsOwn() {
        List<String> topics = List.of(
                "app-month-counters-changelog", "app-contributions-by-repo-repartition", // app's
                "app-rows-monthly-activity-changelog", "app-rows-x-repartition",          // application app-rows'
                "app-settings", "github.commits", "other-month-counters-changelog", "app");
        assertThat(CountingStateReset.internalTopics("app", topics, List.of("app", "app-rows", "other")))
                .containsExactly("app-contributions-by-repo-repartition", "app-month-counters-changelog");
        // Without a group of that name, nothing tells the topics apart: the prefix rule of Kafka's reset tool holds.
        assertThat(CountingStateReset.internalTopics("app", topics, List.of("app")))
                .containsExactly("app-contributions-by-repo-repartition", "app-month-counters-changelog",
                        "app-rows-monthly-activity-changelog", "app-rows-x-repartition");
    }
}
