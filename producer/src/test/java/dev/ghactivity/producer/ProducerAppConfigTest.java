package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.RepositoryName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProducerAppConfigTest {
    private static ProducerAppConfig.Builder valid() {
        return ProducerAppConfig.builder().bootstrapServers("k:9092").repositories(List.of(RepositoryName.parse("a/b")));
    }

    @Test
    void theDefaultsAreTheDesigns() {
        ProducerAppConfig config = valid().kafkaProperties(Map.of("linger.ms", 5)).kafkaProperty("batch.size", 1024).build();
        assertThat(config.githubApiUrl()).hasToString("https://api.github.com/");
        assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.overlap()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.fullRereadInterval()).isEqualTo(Duration.ofDays(1));
        assertThat(config.transactionalId()).isEqualTo("ghactivity-producer");
        assertThat(config.sleeper()).as("real waits, ended by close()").isEmpty();
        assertThat(config.perPage()).isEqualTo(100);
        assertThat(config.maxRecordsPerTransaction()).isEqualTo(10_000);
        assertThat(config.maxTimePerTransaction()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.secondaryLimitWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.kafkaProperties()).containsOnly(Map.entry("linger.ms", 5), Map.entry("batch.size", 1024));
        assertThat(config.token().isPresent()).isFalse();
    }

    @Test
    void badSettingsAreRejectedWithWhatIsWrong() {
        assertThatThrownBy(() -> ProducerAppConfig.builder().repositories(List.of(RepositoryName.parse("a/b"))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrap servers");
        assertThatThrownBy(() -> ProducerAppConfig.builder().bootstrapServers("k:9092").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OWNER/NAME");
        assertThatThrownBy(() -> valid().pollInterval(Duration.ZERO).build()).hasMessageContaining("poll interval");
        assertThatThrownBy(() -> valid().overlap(Duration.ofSeconds(-1)).build()).hasMessageContaining("overlap");
        assertThatThrownBy(() -> valid().retries(3, Duration.ofSeconds(10), Duration.ofSeconds(1)).build()).hasMessageContaining("backoff");
        assertThatThrownBy(() -> valid().perPage(101).build()).hasMessageContaining("per_page");
        assertThatThrownBy(() -> valid().githubApiUrl("not a url").build()).hasMessageContaining("GitHub API URL");
        assertThatThrownBy(() -> valid().githubApiUrl("https://user:pw@ghe.example/api/v3").build())
                .hasMessageContaining("GITHUB_TOKEN").satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw"));
    }

    @Test
    void theCommandLineAndTheBuilderHaveTheSameDefaults() {
        ProducerCli cli = new ProducerCli();
        new picocli.CommandLine(cli).parseArgs("--repo", "a/b", "--bootstrap-servers", "k:9092");
        assertThat(cli.config()).usingRecursiveComparison().ignoringFields("token", "clock").isEqualTo(valid().build());
    }
}
