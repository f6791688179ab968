package dev.ghactivity.producer;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A GitHub App's credentials: its id, its private key and, optionally, the one installation to use (else one is
 * found per owner, see {@link GitHubAppInstallations}). It signs the JSON Web Tokens that authenticate as the app
 * (docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
 * RS256, {@code iat} 60 s in the past against clock drift, {@code exp} 9 min ahead (GitHub refuses more than 10), {@code iss}
 * the app id. The key never appears in {@code toString()}, logs or exceptions.
 */
public final class GitHubApp {
    /** How far {@code iat} is set in the past, as GitHub recommends against clock drift. */
    static final Duration BACKDATE = Duration.ofSeconds(60);
    /** How far {@code exp} is set ahead: under GitHub's 10-minute maximum, with a minute to spare for clock drift. */
    static final Duration AHEAD = Duration.ofMinutes(9);

    private final long appId;
    private final Algorithm rs256;
    private final OptionalLong installationId;

    private GitHubApp(long appId, RSAPrivateKey key, OptionalLong installationId) {
        if (appId <= 0) {
            throw new IllegalArgumentException("a GitHub App id is a positive number (the App ID of the app's settings page), not " + appId);
        }
        installationId.ifPresent(id -> {
            if (id <= 0) {
                throw new IllegalArgumentException("a GitHub App installation id is a positive number, not " + id);
            }
        });
        this.appId = appId;
        this.rs256 = Algorithm.RSA256(null, Objects.requireNonNull(key, "key"));
        this.installationId = installationId;
    }

    /** With a key already read. */
    public static GitHubApp of(long appId, RSAPrivateKey key, OptionalLong installationId) {
        return new GitHubApp(appId, key, installationId);
    }

    /**
     * With the key of a PEM file ({@link GitHubAppKey#read}).
     *
     * @throws IllegalArgumentException with one line naming what is wrong (an id, or the key file and what is wrong with it)
     */
    public static GitHubApp fromFile(long appId, Path privateKeyFile, OptionalLong installationId) {
        return new GitHubApp(appId, GitHubAppKey.read(privateKeyFile), installationId);
    }

    public long appId() {
        return appId;
    }

    /** The installation given on the command line, if any: then every owner uses it and none is looked up. */
    public OptionalLong installationId() {
        return installationId;
    }

    /** A JWT that authenticates as the app, for {@code /app/...} and the installation look-ups; valid about 10 minutes from {@code now}. */
    String jwt(Instant now) {
        return JWT.create()
                .withIssuer(Long.toString(appId))
                .withIssuedAt(now.minus(BACKDATE))
                .withExpiresAt(now.plus(AHEAD))
                .sign(rs256);
    }

    @Override
    public String toString() {
        return "GitHubApp[" + appId + (installationId.isPresent() ? ", installation " + installationId.getAsLong() : "") + ", key ***]";
    }
}
