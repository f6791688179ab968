package dev.ghactivity.producer.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Checks {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>} as GitHub documents it
 * (docs.github.com, "Validating webhook deliveries"): computed over the exact bytes received, compared in
 * constant time so the answer's timing leaks nothing of the expected value.
 */
final class WebhookSignature {
    static final String HEADER = "X-Hub-Signature-256";
    private static final String PREFIX = "sha256=";

    private WebhookSignature() {
    }

    /** True when {@code header} is the signature of {@code body} with {@code secret}; false for a missing or malformed header. */
    static boolean matches(WebhookSecret secret, byte[] body, String header) {
        if (header == null || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] expected = PREFIX.concat(HexFormat.of().formatHex(secret.mac().doFinal(body))).getBytes(StandardCharsets.US_ASCII);
        // GitHub sends lower-case hex; MessageDigest.isEqual does not return early on the first differing byte.
        return MessageDigest.isEqual(expected, header.trim().getBytes(StandardCharsets.US_ASCII));
    }
}
