package dev.ghactivity.producer;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.Topics;
import java.time.Duration;
import java.util.List;

/** The pipeline's topics deleted and created again on a broker that several tests share, so each test starts empty. */
final class FreshTopics {
    private FreshTopics() {
    }

    /** Deletes every topic of {@link Topics#definitions} that exists, waits until they are gone, creates them with {@code partitions}. */
    static void recreate(EmbeddedKafkaBroker broker, int partitions) throws Exception {
        try (var admin = broker.admin()) {
            var existing = admin.listTopics().names().get();
            List<String> ours = Topics.definitions(1, (short) 1).stream().map(t -> t.name()).filter(existing::contains).toList();
            if (!ours.isEmpty()) {
                admin.deleteTopics(ours).all().get();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> admin.listTopics().names().get().stream().noneMatch(ours::contains));
            }
        }
        broker.createTopics(Topics.definitions(partitions, (short) 1));
    }
}
