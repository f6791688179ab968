package dev.ghactivity.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake's GitHub App endpoints refuse what GitHub refuses: every JWT claim checked, expired and foreign tokens. */
class FakeGitHubAppTest {
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private FakeGitHub github;
    private FakeGitHubApp app;
    private KeyPair keys;

    @BeforeEach
    void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        github = FakeGitHub.start();
        app = github.githubApp(77, (RSAPublicKey) keys.getPublic()).installation(5, "alpha").tokenLifetime(Duration.ofMinutes(10));
        github.serveSyntheticActivity("alpha/one", 3, 0, 1);
        github.serveSyntheticActivity("beta/two", 3, 0, 2);
    }

    @AfterEach
    void stop() {
        github.close();
    }

    private String jwt(String issuer, Instant iat, Instant exp, RSAPrivateKey key) {
        return JWT.create().withIssuer(issuer).withIssuedAt(iat).withExpiresAt(exp).sign(Algorithm.RSA256(null, key));
    }

    private Response call(String method, String path, String authorization) throws IOException {
        return http.newCall(new Request.Builder().url(github.apiUrl() + path).header("Authorization", authorization)
                .method(method, method.equals("POST") ? RequestBody.create(new byte[0]) : null).build()).execute();
    }

    private int status(String method, String path, String authorization) throws IOException {
        try (Response r = call(method, path, authorization)) {
            return r.code();
        }
    }

    @Test
    void onlyAJwtOfThisAppSignedWithItsKeyAndWithinItsTenMinutesIsAccepted() throws Exception {
        Instant now = github.clock().instant();
        RSAPrivateKey key = (RSAPrivateKey) keys.getPrivate();
        String path = "/app/installations/5/access_tokens";
        assertThat(status("POST", path, "Bearer " + jwt("77", now.minusSeconds(60), now.plusSeconds(540), key))).isEqualTo(201);
        assertThat(status("POST", path, "Bearer " + jwt("78", now.minusSeconds(60), now.plusSeconds(540), key))).as("another app").isEqualTo(401);
        RSAPrivateKey other = (RSAPrivateKey) KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();
        assertThat(status("POST", path, "Bearer " + jwt("77", now.minusSeconds(60), now.plusSeconds(540), other))).as("another key").isEqualTo(401);
        assertThat(status("POST", path, "Bearer " + jwt("77", now.minusSeconds(700), now.minusSeconds(10), key))).as("expired").isEqualTo(401);
        assertThat(status("POST", path, "Bearer " + jwt("77", now.minusSeconds(60), now.plusSeconds(660), key))).as("exp too far").isEqualTo(401);
        assertThat(status("POST", path, "Bearer " + jwt("77", now.plusSeconds(120), now.plusSeconds(540), key))).as("iat ahead").isEqualTo(401);
        assertThat(status("POST", "/app/installations/6/access_tokens", "Bearer " + jwt("77", now.minusSeconds(60), now.plusSeconds(540), key)))
                .as("no such installation").isEqualTo(404);
        assertThat(app.refusedJwts()).isEqualTo(5);
        assertThat(github.unauthorizedAnswers()).isEqualTo(5);
    }

    @Test
    void anInstallationTokenReadsItsOwnersRepositoriesUntilItExpires() throws Exception {
        Instant now = github.clock().instant();
        String jwt = "Bearer " + jwt("77", now.minusSeconds(60), now.plusSeconds(540), (RSAPrivateKey) keys.getPrivate());
        JsonNode issued;
        try (Response r = call("POST", "/app/installations/5/access_tokens", jwt)) {
            issued = new ObjectMapper().readTree(r.body().bytes());
        }
        assertThat(Instant.parse(issued.path("expires_at").asText())).isBetween(now.plusSeconds(599), now.plusSeconds(605));
        String token = "Bearer " + issued.path("token").asText();

        assertThat(status("GET", "/repos/alpha/one/commits", token)).isEqualTo(200);
        assertThat(status("GET", "/repos/beta/two/commits", token)).as("not its installation's owner").isEqualTo(404);
        assertThat(status("GET", "/repos/alpha/one/commits", jwt)).as("a JWT reads no data").isEqualTo(401);
        assertThat(status("GET", "/repos/alpha/one/installation", jwt)).isEqualTo(200);
        assertThat(status("GET", "/orgs/beta/installation", jwt)).isEqualTo(404);

        github.advanceClockPerRequest(Duration.ofMinutes(10));
        assertThat(status("GET", "/repos/alpha/one/commits", token)).as("the last request in its lifetime").isEqualTo(200);
        assertThat(status("GET", "/repos/alpha/one/commits", token)).as("expired").isEqualTo(401);
        assertThat(app.expiredTokenRequests()).isEqualTo(1);
    }
}
