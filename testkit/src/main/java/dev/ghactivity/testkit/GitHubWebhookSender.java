package dev.ghactivity.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Delivers webhook payloads as GitHub does: POST with {@code Content-Type: application/json}, {@code X-GitHub-Event},
 * {@code X-GitHub-Delivery}, {@code User-Agent: GitHub-Hookshot/...} and {@code X-Hub-Signature-256} computed here with
 * the test's secret (independently of the receiver's code). Payloads come from {@code fixtures/github-webhooks}.
 */
public final class GitHubWebhookSender {
    private final URI endpoint;
    private final String secret;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer of the receiver: status and body text. */
    public record Answer(int status, String body) {
    }

    public GitHubWebhookSender(URI endpoint, String secret) {
        this.endpoint = endpoint;
        this.secret = secret;
    }

    /** {@code http://127.0.0.1:PORT/webhooks/github}. */
    public static GitHubWebhookSender local(int port, String secret) {
        return new GitHubWebhookSender(URI.create("http://127.0.0.1:" + port + "/webhooks/github"), secret);
    }

    /** The raw bytes of {@code fixtures/github-webhooks/<file>}. */
    public static byte[] fixture(String file) {
        try (InputStream in = GitHubWebhookSender.class.getResourceAsStream("/fixtures/github-webhooks/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no webhook fixture " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture with changes applied to its JSON (e.g. another ref or repository), re-serialized. */
    public static byte[] fixture(String file, Consumer<ObjectNode> change) {
        try {
            ObjectNode root = (ObjectNode) GitHubFixtures.JSON.readTree(fixture(file));
            change.accept(root);
            return GitHubFixtures.JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parsed fixture. */
    public static JsonNode json(String file) {
        try {
            return GitHubFixtures.JSON.readTree(fixture(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Any JSON text (e.g. a listing item), parsed. */
    public static JsonNode jsonOf(String text) {
        try {
            return GitHubFixtures.JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code sha256=} + hex HMAC-SHA256 of {@code body} keyed with {@code secret} (UTF-8). */
    public static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** POSTs {@code body} signed with this sender's secret. */
    public Answer deliver(String event, String deliveryId, byte[] body) {
        return post(event, deliveryId, body, signature(secret, body), "application/json");
    }

    /** POSTs with the given signature header (null: none) and content type. */
    public Answer post(String event, String deliveryId, byte[] body, String signature, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType)
                .header("User-Agent", "GitHub-Hookshot/test")
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", deliveryId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
