package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ghactivity.producer.webhook.WebhookSecret;
import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.producer.webhook.WebhookSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The producer's webhook options: a receiver without a secret refuses to start, in one line, with exit code 1, before Kafka. */
class ProducerCliWebhookTest {
    @Test
    void aReceiverWithoutASecretRefusesToStart() {
        assumeTrue(System.getenv(WebhookSecret.ENVIRONMENT_VARIABLE) == null, "the secret variable is set in this environment");
        StringWriter err = new StringWriter();
        // 127.0.0.1:1: nothing listens, so reaching Kafka would hang instead of answering at once.
        int code = run(err, "--repo", "a/b", "--bootstrap-servers", "127.0.0.1:1", "--webhook-port", "0");
        assertThat(code).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).isEqualTo("ghactivity-producer: the webhook receiver needs a secret: set GITHUB_WEBHOOK_SECRET or give "
                + "--webhook-secret-file FILE (the secret entered in GitHub's webhook settings)" + System.lineSeparator());
    }

    @Test
    void anEmptyOrMissingSecretFileRefusesToStartWithoutShowingIt(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThat(run(err, "--repo", "a/b", "--bootstrap-servers", "127.0.0.1:1", "--webhook-port", "0", "--webhook-secret-file", empty.toString()))
                .isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).isEqualTo("ghactivity-producer: the webhook secret file " + empty + " is empty" + System.lineSeparator());
        err = new StringWriter();
        assertThat(run(err, "--repo", "a/b", "--bootstrap-servers", "127.0.0.1:1", "--webhook-secret-file", empty.toString())).isEqualTo(CliExitCodes.USAGE);
        assertThat(err.toString()).contains("--webhook-secret-file needs --webhook-port PORT");
    }

    @Test
    void thePortAndTheSecretFileReachTheSettings(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "hunter2-but-longer\n");
        ProducerCli cli = new ProducerCli();
        new CommandLine(cli).parseArgs("--repo", "a/b", "--bootstrap-servers", "k:9092", "--webhook-port", "9876", "--webhook-secret-file", file.toString());
        WebhookSettings settings = cli.webhook.settings();
        assertThat(settings.port()).isEqualTo(9876);
        assertThat(settings.host()).isEqualTo("0.0.0.0");
        assertThat(settings.toString()).doesNotContain("hunter2");
        ProducerCli none = new ProducerCli();
        new CommandLine(none).parseArgs("--repo", "a/b", "--bootstrap-servers", "k:9092");
        assertThat(none.webhook.settings()).as("no --webhook-port, no receiver").isNull();
    }

    private static int run(StringWriter err, String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        System.setErr(new PrintStream(ours, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new ProducerCli()).setErr(new PrintWriter(err, true)).execute(args);
            err.write(ours.toString(StandardCharsets.UTF_8));
            return code;
        } finally {
            System.setErr(original);
        }
    }
}
