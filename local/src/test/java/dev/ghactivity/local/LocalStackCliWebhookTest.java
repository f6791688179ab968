package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ghactivity.producer.ProducerCli;
import dev.ghactivity.producer.webhook.WebhookSecret;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class LocalStackCliWebhookTest {
    @Test
    void aReceiverWithoutASecretRefusesToStartBeforeAnythingStarts(@TempDir Path dir) {
        assumeTrue(System.getenv(WebhookSecret.ENVIRONMENT_VARIABLE) == null, "the secret variable is set in this environment");
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = LocalStackCli.run("--repo", "a/b", "--data-dir", dir.resolve("data").toString(), "--webhook-port", "0");
        } finally {
            System.setErr(original);
        }
        assertThat(code).isEqualTo(LocalStackCli.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("ghactivity: the webhook receiver needs a secret: set GITHUB_WEBHOOK_SECRET "
                + "or give --webhook-secret-file FILE (the secret entered in GitHub's webhook settings)" + System.lineSeparator());
        assertThat(Files.exists(dir.resolve("data"))).as("nothing started").isFalse();
    }

    @Test
    void theWebhookOptionsReachTheConfigAndAreTheProducers(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "s3cr3t-value");
        LocalStackCli cli = new LocalStackCli();
        new CommandLine(cli).parseArgs("--repo", "a/b", "--webhook-port", "0", "--webhook-secret-file", file.toString(),
                "--webhook-bind-address", "127.0.0.1");
        assertThat(cli.config().webhook().port()).isZero();
        assertThat(cli.config().webhook().host()).isEqualTo("127.0.0.1");
        LocalStackCli none = new LocalStackCli();
        new CommandLine(none).parseArgs("--repo", "a/b");
        assertThat(none.config().webhook()).isNull();
        assertThat(webhookOptions(new CommandLine(new LocalStackCli())))
                .isEqualTo(webhookOptions(new CommandLine(new ProducerCli())))
                .containsExactly("--webhook-port", "--webhook-secret-file", "--webhook-bind-address");
    }

    private static List<String> webhookOptions(CommandLine cli) {
        return cli.getCommandSpec().options().stream().map(OptionSpec::longestName).filter(n -> n.startsWith("--webhook")).toList();
    }
}
