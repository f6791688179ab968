package dev.ghactivity.testkit;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;

/**
 * The GitHub App side of {@link FakeGitHub}, served like GitHub does (docs.github.com/rest/apps/apps): a JWT is
 * accepted only when its RS256 signature verifies with the app's public key, its {@code iss} is the app id, its
 * {@code iat} is not in the future and its {@code exp} is neither past nor more than 10 minutes ahead; installation
 * tokens expire ({@code expires_at}, after {@link #tokenLifetime}, on the fake's clock) and are refused with 401 after,
 * and they reach only the repositories of their installation's owners (404 elsewhere, as for a private repository).
 */
public final class FakeGitHubApp {
    private static final Pattern ACCESS_TOKENS = Pattern.compile("^/app/installations/(\\d+)/access_tokens$");
    private static final Pattern LOOK_UP = Pattern.compile("^/(?:orgs|users)/([^/]+)/installation$|^/repos/([^/]+)/[^/]+/installation$");
    private static final Pattern OWNED = Pattern.compile("^/(?:repos|orgs|users)/([^/]+)(?:/.*)?$");
    private static final Pattern BY_ID = Pattern.compile("^/repositories/(\\d+)(?:/.*)?$");

    private final long appId;
    private final RSAPublicKey publicKey;
    private final Clock clock;
    private final Map<Long, Set<String>> ownersOfInstallation = new ConcurrentHashMap<>();
    private final Map<String, Issued> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger expiredTokenRequests = new AtomicInteger();
    private final AtomicInteger refusedJwts = new AtomicInteger();
    private volatile Duration tokenLifetime = Duration.ofHours(1);
    private final Map<Long, AtomicInteger> budgets = new ConcurrentHashMap<>();
    private final Map<Long, Integer> budgetLimits = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> pastBudget = new ConcurrentHashMap<>();
    /** Tokens revoked ({@link #revokeTokens}): refused, but not counted as sent past their expiry. */
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    private record Issued(long installation, Instant expiresAt) {
    }

    FakeGitHubApp(long appId, RSAPublicKey publicKey, Clock clock) {
        this.appId = appId;
        this.publicKey = publicKey;
        this.clock = clock;
    }

    /** An installation of the app on these owners (organizations or users). */
    public FakeGitHubApp installation(long id, String... owners) {
        Set<String> set = ConcurrentHashMap.newKeySet();
        for (String owner : owners) {
            set.add(owner.toLowerCase(Locale.ROOT));
        }
        ownersOfInstallation.put(id, set);
        return this;
    }

    /** How long an installation token is valid (GitHub: one hour). */
    public FakeGitHubApp tokenLifetime(Duration lifetime) {
        tokenLifetime = lifetime;
        return this;
    }

    /** Every installation token issued so far is revoked: requests with one answer 401 Bad credentials. */
    public FakeGitHubApp revokeTokens() {
        revoked.addAll(tokens.keySet());
        return this;
    }

    /** Installation tokens issued so far for this installation. */
    public int tokensIssued(long installation) {
        return (int) tokens.values().stream().filter(t -> t.installation == installation).count();
    }

    /** Requests that came with an installation token past its {@code expires_at} (each answered 401). */
    public int expiredTokenRequests() {
        return expiredTokenRequests.get();
    }

    /** JWTs refused (bad signature, another app's id, expired, too long-lived, issued in the future). */
    public int refusedJwts() {
        return refusedJwts.get();
    }

    /**
     * The answer to a request when the app decides it (an app endpoint, a refused credential, an owner outside the
     * token's installation), or null when the request goes on to the data it asks for.
     *
     * @param ownerOfId the owner of a repository id ({@code /repositories/{id}/...}), null when unknown
     */
    MockResponse authorize(String method, String path, String authorization, Function<String, String> ownerOfId) {
        String credential = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7)
                : authorization != null && authorization.startsWith("token ") ? authorization.substring(6) : null;
        if (credential == null) {
            return FakeGitHub.error(401, "Requires authentication").build();
        }
        Matcher accessTokens = ACCESS_TOKENS.matcher(path);
        Matcher lookUp = LOOK_UP.matcher(path);
        boolean appEndpoint = path.startsWith("/app/") || lookUp.matches();
        if (appEndpoint) {
            String refused = refusal(credential);
            if (refused != null) {
                refusedJwts.incrementAndGet();
                return FakeGitHub.error(401, refused).build();
            }
            if (accessTokens.matches() && method.equals("POST")) {
                return issue(Long.parseLong(accessTokens.group(1)));
            }
            if (lookUp.matches()) {
                String owner = (lookUp.group(1) != null ? lookUp.group(1) : lookUp.group(2)).toLowerCase(Locale.ROOT);
                for (Map.Entry<Long, Set<String>> e : ownersOfInstallation.entrySet()) {
                    if (e.getValue().contains(owner)) {
                        return json(200, "{\"id\":" + e.getKey() + ",\"app_id\":" + appId + ",\"account\":{\"login\":\"" + owner + "\"}}");
                    }
                }
            }
            return FakeGitHub.error(404, "Not Found").build();
        }
        Issued issued = tokens.get(credential);
        if (issued == null) {
            return FakeGitHub.error(401, "Bad credentials").build();
        }
        if (revoked.contains(credential)) {
            return FakeGitHub.error(401, "Bad credentials").build();
        }
        if (!clock.instant().isBefore(issued.expiresAt)) {
            expiredTokenRequests.incrementAndGet();
            return FakeGitHub.error(401, "Bad credentials").build();
        }
        Matcher owned = OWNED.matcher(path);
        Matcher byId = BY_ID.matcher(path);
        String owner = owned.matches() ? owned.group(1) : byId.matches() ? ownerOfId.apply(byId.group(1)) : null;
        if (owner != null && !ownersOfInstallation.getOrDefault(issued.installation, Set.of()).contains(owner.toLowerCase(Locale.ROOT))) {
            return FakeGitHub.error(404, "Not Found").build();
        }
        AtomicInteger budget = budgets.get(issued.installation);
        if (budget != null && budget.get() <= 0) {
            pastBudget.computeIfAbsent(issued.installation, i -> new AtomicInteger()).incrementAndGet();
            return FakeGitHub.error(403, "API rate limit exceeded for installation ID " + issued.installation + ".")
                    .setHeader("X-RateLimit-Remaining", "0").setHeader("X-RateLimit-Reset", String.valueOf(budgetReset().getEpochSecond())).build();
        }
        return null;
    }

    /**
     * The answer with the rate limit of the installation whose token the request came with, when it has a budget
     * ({@link #installationBudget}): that budget spent by one.
     */
    MockResponse withBudget(String authorization, MockResponse answer) {
        Issued issued = authorization == null || !authorization.startsWith("Bearer ") ? null : tokens.get(authorization.substring(7));
        AtomicInteger budget = issued == null ? null : budgets.get(issued.installation);
        if (budget == null) {
            return answer;
        }
        return answer.newBuilder().setHeader("X-RateLimit-Limit", String.valueOf(budgetLimits.get(issued.installation)))
                .setHeader("X-RateLimit-Remaining", String.valueOf(Math.max(0, budget.decrementAndGet())))
                .setHeader("X-RateLimit-Reset", String.valueOf(budgetReset().getEpochSecond())).build();
    }

    private Instant budgetReset() {
        return clock.instant().plus(Duration.ofHours(1));
    }

    /** This installation has this many requests (an hour, not refilled): GitHub's limits are per installation, not per token. */
    public FakeGitHubApp installationBudget(long installation, int requests) {
        budgets.put(installation, new AtomicInteger(requests));
        budgetLimits.put(installation, requests);
        return this;
    }

    /** Requests sent with a token of this installation after its budget ({@link #installationBudget}) was spent. */
    public int requestsPastBudget(long installation) {
        AtomicInteger past = pastBudget.get(installation);
        return past == null ? 0 : past.get();
    }

    /** Why a JWT is refused, in GitHub's words, or null when it is good. */
    private String refusal(String jwt) {
        DecodedJWT decoded;
        try {
            // BaseVerification.build(Clock) checks exp and iat on the fake's clock, not the machine's.
            decoded = ((com.auth0.jwt.JWTVerifier.BaseVerification) JWT.require(Algorithm.RSA256(publicKey, null))
                    .withIssuer(Long.toString(appId)).withClaimPresence("iat").withClaimPresence("exp")).build(clock).verify(jwt);
        } catch (JWTVerificationException e) {
            return "A JSON web token could not be decoded (" + e.getClass().getSimpleName() + ")";
        }
        if (decoded.getExpiresAtAsInstant().isAfter(clock.instant().plus(Duration.ofMinutes(10)))) {
            return "'Expiration time' claim ('exp') is too far in the future";
        }
        return null;
    }

    private MockResponse issue(long installation) {
        if (!ownersOfInstallation.containsKey(installation)) {
            return FakeGitHub.error(404, "Not Found").build();
        }
        String token = "ghs_" + UUID.randomUUID().toString().replace("-", "");
        Instant expiresAt = clock.instant().plus(tokenLifetime).truncatedTo(ChronoUnit.SECONDS);
        tokens.put(token, new Issued(installation, expiresAt));
        return json(201, "{\"token\":\"" + token + "\",\"expires_at\":\"" + expiresAt + "\",\"permissions\":{\"contents\":\"read\","
                + "\"issues\":\"read\",\"metadata\":\"read\"},\"repository_selection\":\"all\"}");
    }

    private static MockResponse json(int status, String body) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json; charset=utf-8").body(body).build();
    }
}
