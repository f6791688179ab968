package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's JWT as GitHub asks for it (docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/
 * generating-a-json-web-token-jwt-for-a-github-app): RS256, iat 60 s back, exp at most 10 minutes ahead, iss the app id.
 */
class GitHubAppTest {
    @TempDir
    Path dir;

    @Test
    void theJwtIsRs256SignedByTheAppKeyWithIatBackdatedAndExpWithinTenMinutes() throws Exception {
        KeyPair keys = GitHubAppKeys.generate();
        GitHubApp app = GitHubApp.fromFile(1234, GitHubAppKeys.writePkcs1(keys, dir.resolve("app.pem")), OptionalLong.empty());
        Instant now = Instant.parse("2026-11-29T17:00:00Z");

        String jwt = app.jwt(now);

        DecodedJWT decoded = JWT.decode(jwt);
        assertThat(decoded.getAlgorithm()).isEqualTo("RS256");
        assertThat(decoded.getIssuer()).isEqualTo("1234");
        assertThat(decoded.getIssuedAtAsInstant()).isEqualTo(Instant.parse("2026-11-29T16:59:00Z"));
        assertThat(decoded.getExpiresAtAsInstant()).isEqualTo(Instant.parse("2026-11-29T17:09:00Z"));
        assertThat(decoded.getClaims().keySet()).containsExactlyInAnyOrder("iss", "iat", "exp");
        // The signature verifies with the app's public key, and with no other.
        Algorithm.RSA256((RSAPublicKey) keys.getPublic(), null).verify(decoded);
        RSAPublicKey other = (RSAPublicKey) GitHubAppKeys.generate().getPublic();
        assertThatThrownBy(() -> Algorithm.RSA256(other, null).verify(decoded))
                .isInstanceOf(com.auth0.jwt.exceptions.SignatureVerificationException.class);
    }

    @Test
    void theKeyNeverShowsInToStringAndIdsArePositive() {
        RSAPrivateKey key = (RSAPrivateKey) GitHubAppKeys.generate().getPrivate();
        assertThat(GitHubApp.of(1234, key, OptionalLong.of(77)).toString()).isEqualTo("GitHubApp[1234, installation 77, key ***]");
        assertThatThrownBy(() -> GitHubApp.of(0, key, OptionalLong.empty()))
                .hasMessage("a GitHub App id is a positive number (the App ID of the app's settings page), not 0");
        assertThatThrownBy(() -> GitHubApp.of(1, key, OptionalLong.of(-5)))
                .hasMessage("a GitHub App installation id is a positive number, not -5");
    }
}
