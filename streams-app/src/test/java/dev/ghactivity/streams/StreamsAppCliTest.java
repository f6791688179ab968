package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.GhactivityVersion;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StreamsAppCliTest {
    private static StreamsAppCli parse(String... args) {
        StreamsAppCli cli = new StreamsAppCli();
        new CommandLine(cli).parseArgs(args);
        return cli;
    }

    @Test
    void theOptionsAndTheKafkaClientPropertiesMakeTheStreamsProperties(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"),
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nnum.stream.threads=4\n");
        Properties props = parse("--bootstrap-servers", "k:9092", "--application-id", "my-app", "--commit-interval-ms", "250",
                "--kafka-config", file.toString(), "-X", "num.stream.threads=2", "-X", "client.rack=eu-1")
                .config().toStreamsProperties();
        assertThat(props)
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092")
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "my-app")
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2") // -X over the file, over the default
                .containsEntry("client.rack", "eu-1");
        assertThat(props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG).toString()).isEqualTo("250");
    }

    @Test
    void anUnreadablePropertiesFileIsAUsageErrorBeforeAnythingStarts(@TempDir Path dir) {
        int code = new CommandLine(new StreamsAppCli()).execute("--bootstrap-servers", "127.0.0.1:1", "--http-port", "0",
                "--state-dir", dir.resolve("state").toString(), "--kafka-config", dir.resolve("missing.properties").toString());
        assertThat(code).isEqualTo(CliExitCodes.USAGE);
        assertThat(dir.resolve("state")).doesNotExist();
    }

    @Test
    void versionPrintsTheBuildsVersionAndABadValueIsAUsageError(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        assertThat(new CommandLine(new StreamsAppCli()).setOut(new PrintWriter(out, true)).execute("-V")).isZero();
        assertThat(out.toString().strip()).isEqualTo("ghactivity-streams " + GhactivityVersion.get());

        StringWriter err = new StringWriter();
        int code = new CommandLine(new StreamsAppCli()).setErr(new PrintWriter(err, true)).execute(
                "--bootstrap-servers", "127.0.0.1:1", "--http-port", "eighty", "--state-dir", dir.resolve("state").toString());
        assertThat(code).isEqualTo(64);
        assertThat(err.toString()).contains("--http-port", "eighty");
        assertThat(dir.resolve("state")).doesNotExist();
    }
}
