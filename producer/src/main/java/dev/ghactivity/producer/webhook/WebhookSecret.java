package dev.ghactivity.producer.webhook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret shared with GitHub's webhook settings, the HMAC-SHA256 key of {@code X-Hub-Signature-256}. Its value
 * never appears in {@link #toString()}, a log or an exception message.
 */
public final class WebhookSecret {
    /** The environment variable the secret is read from when no file is given. */
    public static final String ENVIRONMENT_VARIABLE = "GITHUB_WEBHOOK_SECRET";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private WebhookSecret(byte[] value) {
        this.key = new SecretKeySpec(value, ALGORITHM);
    }

    /**
     * A secret as typed in GitHub's webhook form (UTF-8), surrounding whitespace and line ends trimmed.
     *
     * @throws IllegalArgumentException when blank: a receiver without a secret would accept anyone's deliveries
     */
    public static WebhookSecret of(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the webhook secret is empty: set " + ENVIRONMENT_VARIABLE
                    + " or give --webhook-secret-file FILE with the secret entered in GitHub's webhook settings");
        }
        return new WebhookSecret(value.strip().getBytes(StandardCharsets.UTF_8));
    }

    /** From {@value #ENVIRONMENT_VARIABLE}; null when it is unset or blank. */
    public static WebhookSecret fromEnvironment() {
        String value = System.getenv(ENVIRONMENT_VARIABLE);
        return value == null || value.isBlank() ? null : of(value);
    }

    /**
     * The file's content, trimmed.
     *
     * @throws IllegalArgumentException when the file cannot be read or is blank (the message names the file, never its content)
     */
    public static WebhookSecret fromFile(Path file) {
        String value;
        try {
            value = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("cannot read the webhook secret file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException("the webhook secret file " + file + " is empty");
        }
        return of(value);
    }

    /** A fresh HMAC-SHA256 keyed with the secret ({@code Mac} instances are not thread-safe). */
    Mac mac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "WebhookSecret[redacted]";
    }
}
