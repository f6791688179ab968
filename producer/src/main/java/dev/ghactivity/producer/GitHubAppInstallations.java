package dev.ghactivity.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GitHub App as a token source: for each owner the installation of the app on it
 * ({@code GET /orgs/{org}/installation}, {@code /users/{user}/installation}, {@code /repos/{owner}/{repo}/installation},
 * docs.github.com/rest/apps/apps), or the one given by {@code --github-app-installation-id}; for each installation an
 * installation access token ({@code POST /app/installations/{id}/access_tokens}), renewed when less than
 * {@link #RENEW_BEFORE} of its hour is left (its {@code expires_at}) or after GitHub answered 401 for it, so no request
 * goes with an expired token. Each installation has its own rate limit, so its own {@link TokenBudgets}. Every path is
 * relative to the API base, so an Enterprise server's {@code https://host/api/v3} works alike. Thread-safe.
 */
final class GitHubAppInstallations {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubAppInstallations.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An installation token with less than this left is renewed before the next request. */
    static final Duration RENEW_BEFORE = Duration.ofMinutes(5);
    /**
     * An owner found without an installation is not asked about again for this long: each miss costs up to three
     * look-ups (by repository, organization, user) for every repository and listing of that owner at every poll, while
     * an installation added meanwhile is still found within ten minutes.
     */
    static final Duration MISSING_RECHECK = Duration.ofMinutes(10);

    /** Sends one request of the app's own (a look-up with the JWT, a token request), retrying I/O errors and 5xx. */
    interface Transport {
        Answer send(String method, HttpUrl url, String authorization, String label) throws InterruptedException;
    }

    record Answer(int status, byte[] body) {
    }

    private final GitHubApp app;
    private final HttpUrl apiUrl;
    private final Clock clock;
    private final Transport transport;
    /** Owner (lower case) to its installation id; owners found without one are not kept, so a later install is seen. */
    private final Map<String, Long> installationOfOwner = new ConcurrentHashMap<>();
    private final Map<Long, Installation> installations = new ConcurrentHashMap<>();
    /** Owner (lower case) found without an installation -> when to ask again ({@link #MISSING_RECHECK}). */
    private final Map<String, Instant> missingUntil = new ConcurrentHashMap<>();
    /** Owners whose missing installation was logged: one line per owner, until it is found. */
    private final java.util.Set<String> missingLogged = ConcurrentHashMap.newKeySet();

    GitHubAppInstallations(GitHubApp app, HttpUrl apiUrl, Clock clock, Transport transport) {
        this.app = app;
        this.apiUrl = apiUrl;
        this.clock = clock;
        this.transport = transport;
    }

    /**
     * The installation for a request labelled {@code label}: {@code owner/name} (a repository), {@code orgs/owner} or
     * {@code users/owner} (an owner's listing). GitHub reserves the account names {@code orgs} and {@code users}, so the
     * labels cannot be confused.
     *
     * @throws RepositoryUnavailableException (403) when the app is not installed on the owner: its repositories fail, the others go on
     * @throws GitHubAuthenticationException  when GitHub refuses the app itself (wrong id, key of another app)
     */
    Installation forLabel(String label) throws InterruptedException {
        String[] parts = label.split("/", 2);
        if (parts.length < 2 || parts[1].isEmpty()) {
            throw new IllegalArgumentException("not a repository (owner/name) nor an owner's listing (orgs/owner, users/owner): " + label);
        }
        boolean listing = parts[0].equals("orgs") || parts[0].equals("users");
        String owner = listing ? parts[1] : parts[0];
        if (app.installationId().isPresent()) {
            return installation(app.installationId().getAsLong());
        }
        String ownerKey = owner.toLowerCase(Locale.ROOT);
        Long known = installationOfOwner.get(ownerKey);
        if (known != null) {
            return installation(known);
        }
        Instant recheck = missingUntil.get(ownerKey);
        if (recheck != null && clock.instant().isBefore(recheck)) {
            throw notInstalled(label, owner);
        }
        List<HttpUrl> lookUps = new ArrayList<>();
        if (!listing) {
            lookUps.add(path("repos", owner, parts[1], "installation"));
        }
        if (!parts[0].equals("users")) {
            lookUps.add(path("orgs", owner, "installation"));
        }
        lookUps.add(path("users", owner, "installation"));
        for (HttpUrl lookUp : lookUps) {
            Answer answer = transport.send("GET", lookUp, "Bearer " + app.jwt(clock.instant()), label);
            if (answer.status() == 200) {
                long id = idOf(answer.body());
                if (id <= 0) {
                    throw new GitHubApiException(label + ": " + GitHubClient.describe(lookUp) + " answered without an installation id", null);
                }
                installationOfOwner.put(ownerKey, id);
                missingUntil.remove(ownerKey);
                missingLogged.remove(ownerKey);
                LOG.info("GitHub App {}: installation {} serves {}", app.appId(), id, owner);
                return installation(id);
            }
            if (answer.status() != 404) {
                throw unexpected(answer, lookUp, label);
            }
        }
        missingUntil.put(ownerKey, clock.instant().plus(MISSING_RECHECK));
        NotInstalledException e = notInstalled(label, owner);
        if (missingLogged.add(ownerKey)) {
            // One line per owner: its repositories' reports say it again, their listings do not log it (see NotInstalledException).
            LOG.error("{} (asked again every {} min; its repositories are not read until then)",
                    e.getMessage().substring(label.length() + 2), MISSING_RECHECK.toMinutes());
        }
        throw e;
    }

    private NotInstalledException notInstalled(String label, String owner) {
        return new NotInstalledException(label + ": GitHub App " + app.appId() + " is not installed on " + owner
                + ": install it on that account (the app's settings page, Install App), or leave " + owner + "'s repositories out");
    }

    /** The app is not installed on the owner (403, outcome {@code forbidden}); logged once per owner, here. */
    static final class NotInstalledException extends RepositoryUnavailableException {
        NotInstalledException(String message) {
            super(403, message);
        }
    }

    /** Every installation used so far (for the budgets across them). */
    Collection<Installation> all() {
        return installations.values();
    }

    private Installation installation(long id) {
        return installations.computeIfAbsent(id, Installation::new);
    }

    private HttpUrl path(String... segments) {
        HttpUrl.Builder b = apiUrl.newBuilder();
        for (String s : segments) {
            b.addPathSegment(s);
        }
        return b.build();
    }

    private RuntimeException unexpected(Answer answer, HttpUrl url, String label) {
        if (answer.status() == 401) {
            // GitHub's message tells a wrong app or key from a clock far off (an iat in the future, an exp too far ahead).
            return new GitHubAuthenticationException("GitHub App " + app.appId() + " was refused (" + message(answer.body())
                    + "): check --github-app-id and that the key belongs to that app");
        }
        return new GitHubApiException(label + ": " + GitHubClient.describe(url) + " answered " + answer.status() + " for GitHub App "
                + app.appId() + " (" + message(answer.body()) + ")", null, answer.status() >= 500);
    }

    private static long idOf(byte[] body) {
        try {
            return JSON.readTree(body).path("id").asLong(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String message(byte[] body) {
        try {
            String text = JSON.readTree(body).path("message").asText("");
            return text.length() > 200 ? text.substring(0, 200) + "..." : text;
        } catch (IOException e) {
            return "not JSON";
        }
    }

    /** One installation of the app: its current token and the request budget GitHub gives it. */
    final class Installation {
        private final long id;
        private final TokenBudgets budgets;
        private String token;
        private Instant expiresAt;
        /** Renewed when less than this is left: {@link #RENEW_BEFORE}, or a quarter of a shorter lifetime. */
        private Duration renewBefore = RENEW_BEFORE;

        private Installation(long id) {
            this.id = id;
            this.budgets = new TokenBudgets(GitHubToken.none(), clock); // one budget: the installation's
        }

        long id() {
            return id;
        }

        TokenBudgets budgets() {
            return budgets;
        }

        /**
         * {@code Bearer <installation token>}, a new token first when none is held or less than {@link #RENEW_BEFORE} of it
         * is left (a quarter of its lifetime when GitHub gave a shorter one than its usual hour).
         */
        synchronized String authorizationHeader(String label) throws InterruptedException {
            if (token == null || !clock.instant().plus(renewBefore).isBefore(expiresAt)) {
                renew(label);
            }
            return "Bearer " + token;
        }

        /** GitHub answered 401 for this header: the token is dropped (if still the current one), the next request gets a new one. */
        synchronized void rejected(String header) {
            if (token != null && header.equals("Bearer " + token)) {
                token = null;
            }
        }

        /** The text with the current token replaced (defence in depth for messages from elsewhere). */
        synchronized String redact(String text) {
            return token == null || text == null ? text : text.replace(token, "***");
        }

        private void renew(String label) throws InterruptedException {
            HttpUrl url = path("app", "installations", Long.toString(id), "access_tokens");
            Answer answer = transport.send("POST", url, "Bearer " + app.jwt(clock.instant()), label);
            if (answer.status() == 404 && app.installationId().isPresent()) {
                throw new GitHubAuthenticationException("GitHub App " + app.appId() + " has no installation " + id
                        + ": check --github-app-installation-id, or leave it out to find the installation of each owner");
            }
            if (answer.status() == 404) {
                // Uninstalled since it was found: look the owner up again next time.
                installationOfOwner.values().removeIf(v -> v == id);
                throw new RepositoryUnavailableException(403, label + ": GitHub App " + app.appId() + " installation " + id
                        + " is gone (uninstalled?): install the app on the owner again");
            }
            if (answer.status() != 201 && answer.status() != 200) {
                throw unexpected(answer, url, label);
            }
            JsonNode body;
            try {
                body = JSON.readTree(answer.body());
            } catch (IOException e) {
                throw new GitHubApiException(label + ": the installation token answer of " + GitHubClient.describe(url) + " is not JSON", e);
            }
            String newToken = body.path("token").asText("");
            Instant expires;
            try {
                expires = Instant.parse(body.path("expires_at").asText(""));
            } catch (DateTimeParseException e) {
                throw new GitHubApiException(label + ": the installation token answer of " + GitHubClient.describe(url)
                        + " has no usable expires_at", e);
            }
            if (newToken.isEmpty()) {
                throw new GitHubApiException(label + ": the installation token answer of " + GitHubClient.describe(url) + " has no token", null);
            }
            Duration lifetime = Duration.between(clock.instant(), expires);
            token = newToken;
            expiresAt = expires;
            renewBefore = lifetime.dividedBy(4).compareTo(RENEW_BEFORE) < 0 ? lifetime.dividedBy(4) : RENEW_BEFORE;
            LOG.debug("GitHub App {}: installation {} has a new token, valid until {}", app.appId(), id, expires);
        }
    }
}
