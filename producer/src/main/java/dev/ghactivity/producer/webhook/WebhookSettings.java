package dev.ghactivity.producer.webhook;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the webhook receiver listens and the secret it checks deliveries with.
 *
 * @param host    bind address ({@code 0.0.0.0}: every interface, as a container needs)
 * @param port    TCP port, 0 for any free one
 * @param secret  the webhook's secret (never printed)
 * @param maxWait how long a delivery may wait for Kafka before it is answered 503; below GitHub's 10 s timeout
 */
public record WebhookSettings(String host, int port, WebhookSecret secret, Duration maxWait) {
    /** Default bounded wait for Kafka: a delivery gets 10 s from GitHub. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(5);

    public WebhookSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(secret, "a webhook receiver needs a secret");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the webhook port must be 0-65535 (0 = any free port), not " + port);
        }
        if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("the webhook's wait for Kafka must be positive, not " + maxWait);
        }
    }

    public static WebhookSettings of(String host, int port, WebhookSecret secret) {
        return new WebhookSettings(host, port, secret, DEFAULT_MAX_WAIT);
    }
}
