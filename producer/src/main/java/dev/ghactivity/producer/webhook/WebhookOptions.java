package dev.ghactivity.producer.webhook;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The webhook receiver's command-line options, one definition for the producer's CLI and the one-JVM local stack
 * (a picocli {@code @Mixin}). No {@code --webhook-port}: no receiver.
 */
public final class WebhookOptions {
    @Option(names = "--webhook-port", paramLabel = "PORT",
            description = "receive GitHub webhook deliveries at http://HOST:PORT/webhooks/github (0 = any free port; absent = no receiver); "
                    + "needs the secret in " + WebhookSecret.ENVIRONMENT_VARIABLE + " or --webhook-secret-file")
    Integer port;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE",
            description = "read the webhook secret from this file instead of " + WebhookSecret.ENVIRONMENT_VARIABLE)
    Path secretFile;

    @Option(names = "--webhook-bind-address", paramLabel = "HOST", defaultValue = "0.0.0.0",
            description = "address the webhook receiver listens on (default: ${DEFAULT-VALUE})")
    String bindAddress;

    /**
     * The receiver's settings, or null when no {@code --webhook-port} is given.
     *
     * @throws IllegalArgumentException with one line saying what to do, when the port is given without a secret (a
     *                                  receiver without one would accept anyone's deliveries) or the secret file is unreadable
     */
    public WebhookSettings settings() {
        if (port == null) {
            if (secretFile != null) {
                throw new IllegalArgumentException("--webhook-secret-file needs --webhook-port PORT (no port: no webhook receiver)");
            }
            return null;
        }
        WebhookSecret secret = secretFile != null ? WebhookSecret.fromFile(secretFile) : WebhookSecret.fromEnvironment();
        if (secret == null) {
            throw new IllegalArgumentException("the webhook receiver needs a secret: set " + WebhookSecret.ENVIRONMENT_VARIABLE
                    + " or give --webhook-secret-file FILE (the secret entered in GitHub's webhook settings)");
        }
        return WebhookSettings.of(bindAddress, port, secret);
    }
}
