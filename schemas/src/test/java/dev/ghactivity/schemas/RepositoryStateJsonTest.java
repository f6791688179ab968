package dev.ghactivity.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepositoryStateJsonTest {
    @Test
    void aStateReadBackFromItsTopicIsTheJsonTheApiAnswersWithUnknownValuesNull() {
        RepositoryState backfilling = RepositoryState.newBuilder().setRepo("apache/flink").setState(IngestStateKind.BACKFILLING)
                .setReason(null).setLastSuccessfulPoll(null).setReportedAt(Instant.parse("2026-11-29T17:20:04.512Z"))
                .setProducer("ghactivity-producer").setListings(List.of(
                        new ListingIngestProgress("commits", 120L, 180L, 12000L, 66.7, 95L, false),
                        new ListingIngestProgress("issues", 3L, null, 300L, null, null, false)))
                .build();

        RepositoryState read = AvroSerdes.repositoryState().decode(AvroSerdes.repositoryState().encode(backfilling));

        assertThat(RepositoryStateJson.toJson(read).toString()).isEqualTo("{\"repo\":\"apache/flink\",\"state\":\"backfilling\","
                + "\"reason\":null,\"last_successful_poll\":null,\"reported_at\":\"2026-11-29T17:20:04.512Z\",\"listings\":["
                + "{\"listing\":\"commits\",\"page\":120,\"total_pages\":180,\"items\":12000,\"percent\":66.7,\"eta_seconds\":95,\"done\":false},"
                + "{\"listing\":\"issues\",\"page\":3,\"total_pages\":null,\"items\":300,\"percent\":null,\"eta_seconds\":null,\"done\":false}]}");
    }

    @Test
    void everyStateHasTheNameTheIssueGivesIt() {
        assertThat(List.of(IngestStateKind.values())).extracting(RepositoryStateJson::stateName)
                .containsExactly("discovered", "backfilling", "up to date", "failing");
    }
}
