package dev.ghactivity.producer.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.testkit.GitHubWebhookSender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSignatureTest {
    private static final String SECRET = "It's a Secret to Everybody";

    @Test
    void matchesGitHubsDocumentedExample() {
        // docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        String documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assertThat(WebhookSignature.matches(WebhookSecret.of(SECRET), body, documented)).isTrue();
        assertThat(GitHubWebhookSender.signature(SECRET, body)).isEqualTo(documented);
    }

    @Test
    void aMissingMalformedOrWrongSignatureDoesNotMatch() {
        byte[] body = GitHubWebhookSender.fixture("issues_opened.json");
        WebhookSecret secret = WebhookSecret.of(SECRET);
        String right = GitHubWebhookSender.signature(SECRET, body);
        assertThat(WebhookSignature.matches(secret, body, right)).isTrue();
        assertThat(WebhookSignature.matches(secret, body, null)).isFalse();
        assertThat(WebhookSignature.matches(secret, body, right.substring("sha256=".length()))).isFalse();
        assertThat(WebhookSignature.matches(secret, body, "sha1=" + right.substring("sha256=".length()))).isFalse();
        assertThat(WebhookSignature.matches(secret, body, GitHubWebhookSender.signature("another secret", body))).isFalse();
        byte[] changed = body.clone();
        changed[changed.length - 2] ^= 1;
        assertThat(WebhookSignature.matches(secret, changed, right)).isFalse();
    }

    @Test
    void theSecretNeverShowsAndABlankOneIsRefused(@TempDir Path dir) throws Exception {
        assertThat(WebhookSecret.of(SECRET).toString()).doesNotContain("Secret to").isEqualTo("WebhookSecret[redacted]");
        assertThat(WebhookSettings.of("127.0.0.1", 0, WebhookSecret.of(SECRET)).toString()).doesNotContain("Everybody");
        assertThatThrownBy(() -> WebhookSecret.of("  \n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WebhookSecret.ENVIRONMENT_VARIABLE);
        Path file = dir.resolve("secret");
        Files.writeString(file, SECRET + "\n");
        assertThat(WebhookSignature.matches(WebhookSecret.fromFile(file), "x".getBytes(StandardCharsets.UTF_8),
                GitHubWebhookSender.signature(SECRET, "x".getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThatThrownBy(() -> WebhookSecret.fromFile(dir.resolve("missing"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read the webhook secret file");
    }
}
