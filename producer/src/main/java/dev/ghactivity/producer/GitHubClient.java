package dev.ghactivity.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GETs of the GitHub REST API, politely: honours the primary rate limit ({@code X-RateLimit-Remaining/Reset}),
 * secondary limits ({@code Retry-After}, else 60 s then exponentially longer), retries 5xx and I/O errors with
 * bounded exponential backoff and jitter, follows redirects on the API origin only and sends the token only there,
 * and goes through the JVM's proxy settings or {@code HTTPS_PROXY}/{@code NO_PROXY} ({@link GitHubProxySelector}).
 */
public final class GitHubClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubClient.class);
    private static final int MAX_LIMIT_WAITS = 10;
    /** Like browsers and curl's default: a longer chain is a loop or a misconfigured proxy. */
    private static final int MAX_REDIRECTS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProducerAppConfig config;
    private final OkHttpClient http;
    private final ProducerMetrics metrics;
    /** What the last answer said was left of its token's budget (-1: not said). */
    private volatile int rateLimitRemaining = -1;
    private final TokenBudgets budgets;
    /** With {@code --github-app-id}: the installations' tokens and budgets, used instead of {@link #budgets}; else null. */
    private final GitHubAppInstallations app;
    /** Every HTTP request sent, retries and redirects included (what the run summary reports). */
    private final AtomicLong requestsSent = new AtomicLong();
    /** The same, by the repository each was sent for (the {@code repo} of {@link #get}): polls run concurrently. */
    private final java.util.Map<String, AtomicLong> requestsByRepository = new ConcurrentHashMap<>();
    /** Hosts whose Link URLs were already reported as followed on the API base (logged once each). */
    private final Set<String> foreignLinkHosts = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Sleeper sleeper;
    /**
     * A secondary rate limit answered to one request: requests of every other thread wait until then too, as GitHub
     * asks ("stop making requests" until Retry-After, docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api);
     * null when none is in force.
     */
    private final java.util.concurrent.atomic.AtomicReference<Pause> pause = new java.util.concurrent.atomic.AtomicReference<>();

    private record Pause(Instant until, Thread by) {
    }

    /** Waits for real (or with the config's test sleeper); {@link #close()} ends every wait and call at once. */
    public GitHubClient(ProducerAppConfig config) {
        this(config, ProducerMetrics.unscraped());
    }

    /** Counting requests, 304s and the rate limit left in {@code metrics}. */
    public GitHubClient(ProducerAppConfig config, ProducerMetrics metrics) {
        this(config, new GitHubProxySelector(System.getenv()), metrics);
    }

    GitHubClient(ProducerAppConfig config, GitHubProxySelector proxies) {
        this(config, proxies, ProducerMetrics.unscraped());
    }

    private GitHubClient(ProducerAppConfig config, GitHubProxySelector proxies, ProducerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.budgets = new TokenBudgets(config.token(), config.clock());
        this.app = config.githubApp().map(a -> new GitHubAppInstallations(a, config.githubApiUrl(), config.clock(), this::sendAsApp)).orElse(null);
        this.sleeper = config.sleeper().orElse(Sleeper.until(closed));
        this.http = new OkHttpClient.Builder()
                .connectTimeout(config.connectTimeout())
                .readTimeout(config.readTimeout())
                .callTimeout(config.readTimeout().multipliedBy(2))
                .followRedirects(false) // followed here, on the API origin only: a redirect could carry the token elsewhere
                .retryOnConnectionFailure(false)
                .proxySelector(proxies)
                .proxyAuthenticator(proxies.authenticator())
                .build();
    }

    /** The URL of the first page of a listing of {@code path} (below the API base) with these query parameters. */
    public HttpUrl listingUrl(String repoPath, String endpoint, String... queryNameValues) {
        HttpUrl.Builder b = config.githubApiUrl().newBuilder().addPathSegment("repos");
        for (String segment : repoPath.split("/")) {
            b.addPathSegment(segment);
        }
        b.addPathSegment(endpoint);
        for (int i = 0; i + 1 < queryNameValues.length; i += 2) {
            b.addQueryParameter(queryNameValues[i], queryNameValues[i + 1]);
        }
        return b.build();
    }

    /**
     * {@code GET /repos/{owner}/{name}/compare/{base}...{head}}: the commits reachable from {@code head} and not from
     * {@code base}, oldest first, paginated like a listing. Both must be commit SHAs (hex), never free text.
     */
    public HttpUrl compareUrl(String repoPath, String baseSha, String headSha, int perPage) {
        for (String sha : new String[] {baseSha, headSha}) {
            if (!GitHubItemParser.isSha(sha)) {
                throw new IllegalArgumentException("not a commit SHA: " + sha);
            }
        }
        return listingUrl(repoPath, "compare", "per_page", String.valueOf(perPage)).newBuilder()
                .addPathSegment(baseSha + "..." + headSha).build();
    }

    /** {@code GET /repos/{owner}/{name}/issues/{number}}: one issue or pull request. */
    public HttpUrl issueUrl(String repoPath, long number) {
        return listingUrl(repoPath, "issues").newBuilder().addPathSegment(Long.toString(number)).build();
    }

    /**
     * One page: 200, or 304 when {@code ifNoneMatch} still matches. Redirects (301, 302, 303, 307, 308) are followed
     * when they stay on the API origin, with the token, up to {@value #MAX_REDIRECTS} times; a {@code Link} next
     * URL on another origin is read as its path and query on the API base ({@link #onApiBase}).
     *
     * @throws GitHubAuthenticationException  on 401 (as a GitHub App: when GitHub refuses the app's JWT, or a new installation token)
     * @throws RepositoryUnavailableException on 404, 409, 410, 451, a 403 that is not a rate limit, or a redirect
     *                                        to another origin; as a GitHub App also (403) when it is not installed on the owner
     * @throws GitHubUnreachableException     when the API host's name does not resolve or no connection succeeds
     * @throws GitHubApiException             when retries are exhausted, or a {@code Link} header is unusable
     * @throws InterruptedException           when the client is closed (or the thread interrupted): no more requests
     */
    public GitHubPage get(HttpUrl url, String ifNoneMatch, String repo) throws InterruptedException {
        HttpUrl requested = url;
        int failures = 0;
        int limitWaits = 0;
        int redirects = 0;
        int secondaryWaitsWithoutRetryAfter = 0;
        boolean renewedAfterUnauthorized = false;
        while (true) {
            if (closed.getCount() == 0) {
                throw new InterruptedException("the GitHub client is closed");
            }
            awaitPause(repo);
            // As a GitHub App, the request goes with the token of the installation on the repository's owner, and
            // spends that installation's budget; otherwise with the token of the pool that has the most left.
            GitHubAppInstallations.Installation installation = app == null ? null : app.forLabel(repo);
            TokenBudgets budgets = installation == null ? this.budgets : installation.budgets();
            int token = awaitPrimaryLimit(budgets, repo);
            Request.Builder request = apiRequest(url);
            String auth = installation != null ? installation.authorizationHeader(repo) : budgets.authorizationHeader(token);
            if (auth != null && sameOrigin(url, config.githubApiUrl())) {
                request.header("Authorization", auth);
            }
            if (ifNoneMatch != null) {
                request.header("If-None-Match", ifNoneMatch);
            }
            int status;
            byte[] body;
            String etag;
            String link;
            String retryAfter;
            String location;
            int remaining; // this answer's, not the field another thread's answer may have set meanwhile
            requestsSent.incrementAndGet();
            requestsByRepository.computeIfAbsent(repo, r -> new AtomicLong()).incrementAndGet();
            try (Response response = execute(request.build(), budgets, token)) {
                status = response.code();
                metrics.request(url, Integer.toString(status));
                remaining = (int) parseLong(String.valueOf(response.header("X-RateLimit-Remaining")), -1);
                ResponseBody rb = response.body();
                body = rb == null ? new byte[0] : rb.bytes();
                etag = response.header("ETag");
                link = response.header("Link");
                retryAfter = response.header("Retry-After");
                location = response.header("Location");
            } catch (IOException e) {
                ioFailure(e, url, repo, ++failures);
                continue;
            }
            if (status == 200) {
                return new GitHubPage(url, status, body, nextLink(link, url, repo), etag, remaining,
                        url.equals(requested) ? null : url, lastPage(link, url));
            }
            if (status == 304) {
                return new GitHubPage(url, status, new byte[0], null, etag != null ? etag : ifNoneMatch, remaining,
                        url.equals(requested) ? null : url, -1);
            }
            if (status == 401 && installation != null) {
                installation.rejected(auth);
                if (!renewedAfterUnauthorized) {
                    renewedAfterUnauthorized = true;
                    continue; // revoked or expired early: once more, with a new token
                }
                throw new GitHubAuthenticationException("GitHub rejected a new installation token of GitHub App " + config.githubApp().get().appId()
                        + " (installation " + installation.id() + ", 401 at " + describe(url) + "): check the app's installation and permissions");
            }
            if (status == 401) {
                if (budgets.reject(token)) {
                    continue; // the request again, with another token
                }
                throw new GitHubAuthenticationException("GitHub rejected the credentials (401 Bad credentials) at "
                        + config.githubApiUrl() + ": set GITHUB_TOKEN (or --github-token-file) to a valid token, or unset it to read public data unauthenticated");
            }
            String message = message(body);
            if (status == 403 || status == 429) {
                boolean primary = remaining == 0;
                if (primary) {
                    budgets.exhausted(token);
                    if (anotherTokenHasBudget()) {
                        continue; // another token still has budget: no wait
                    }
                }
                boolean secondary = retryAfter != null || status == 429 || message.toLowerCase(Locale.ROOT).contains("secondary rate limit")
                        || message.toLowerCase(Locale.ROOT).contains("abuse");
                if (primary || secondary) {
                    if (++limitWaits > MAX_LIMIT_WAITS) {
                        throw new GitHubApiException(repo + ": still rate limited after " + MAX_LIMIT_WAITS + " waits", null);
                    }
                    Duration wait;
                    String why;
                    if (retryAfter != null) {
                        wait = Duration.ofSeconds(parseLong(retryAfter, 60));
                        why = "secondary rate limit, Retry-After " + retryAfter + " s";
                    } else if (primary) {
                        wait = budgets.untilFirstReset();
                        why = "primary rate limit exhausted (0 requests left)";
                    } else {
                        wait = config.secondaryLimitWait().multipliedBy(1L << Math.min(6, secondaryWaitsWithoutRetryAfter++));
                        why = "secondary rate limit without Retry-After";
                    }
                    LOG.warn("{}: {}; waiting {} s, until {}", repo, why, wait.toSeconds(), config.clock().instant().plus(wait));
                    Pause mine = primary ? null : new Pause(config.clock().instant().plus(wait), Thread.currentThread());
                    if (mine != null) {
                        pause.accumulateAndGet(mine, (in, next) -> in == null || next.until().isAfter(in.until()) ? next : in);
                    }
                    sleeper.sleep(wait);
                    if (mine != null) {
                        pause.compareAndSet(mine, null); // its wait is over, and so is everyone's
                    }
                    budgets.waited(); // waited for this limit already
                    continue;
                }
                throw new RepositoryUnavailableException(403, repo + ": GitHub answered 403 Forbidden (" + message + ") for " + describe(url)
                        + "; the token may lack access to it");
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                // GitHub answers a renamed or transferred repository with a redirect to /repositories/{id}/...
                // (docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api). Only the API origin gets the token.
                HttpUrl target = location == null ? null : url.resolve(location);
                if (target == null || !sameOrigin(target, config.githubApiUrl())) {
                    throw new RepositoryUnavailableException(status, repo + ": GitHub answered " + status + " for " + describe(url)
                            + (target == null ? " without a usable Location" : ", moving it to another host (" + target.host() + ")")
                            + "; not followed, the token is only sent to --github-api-url " + config.githubApiUrl());
                }
                if (++redirects > MAX_REDIRECTS) {
                    throw new GitHubApiException(repo + ": more than " + MAX_REDIRECTS + " redirects from " + describe(requested), null);
                }
                url = target;
                continue;
            }
            if (status == 404 || status == 409 || status == 410 || status == 451) {
                throw new RepositoryUnavailableException(status, repo + ": GitHub answered " + status + " (" + message + ") for "
                        + describe(url) + switch (status) {
                            case 451 -> "; unavailable for legal reasons";
                            case 410 -> "; it was deleted";
                            case 409 -> "";
                            default -> "; check the name, or whether the token can see it";
                        });
            }
            if (status >= 500 || status == 408) {
                failures++;
                if (failures >= config.maxAttempts()) {
                    throw new GitHubApiException(repo + ": " + describe(url) + " answered " + status + " " + failures + " times", null,
                            status >= 500);
                }
                Duration wait = backoff(failures);
                LOG.warn("{}: {} answered {}; retry {} of {} in {} ms", repo, describe(url), status, failures, config.maxAttempts() - 1, wait.toMillis());
                sleeper.sleep(wait);
                continue;
            }
            throw new GitHubApiException(repo + ": " + describe(url) + " answered " + status + " (" + message + ")", null);
        }
    }

    /** A request of the REST API version this client reads (docs.github.com/rest/about-the-rest-api/api-versions). */
    private static Request.Builder apiRequest(HttpUrl url) {
        return new Request.Builder().url(url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "ghactivity");
    }

    /**
     * After an I/O error of the {@code failures}-th attempt: waits the backoff before the next one, or throws when the
     * host's name does not resolve (the resolver retried already; more attempts only delay the one line that says what
     * to check), the client is closed (the call was cancelled: no retry, no warning) or the attempts are used up.
     */
    private void ioFailure(IOException e, HttpUrl url, String repo, int failures) throws InterruptedException {
        metrics.request(url, "io_error");
        if (e instanceof UnknownHostException) {
            throw unreachable(url, "its name does not resolve (DNS)", e);
        }
        if (closed.getCount() == 0) {
            throw new InterruptedException("the GitHub client is closed");
        }
        if (failures >= config.maxAttempts()) {
            if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
                throw unreachable(url, "no connection after " + failures + " attempts (" + redact(e.getMessage()) + ")", e);
            }
            throw new GitHubApiException(repo + ": " + describe(url) + " failed " + failures + " times: " + redact(e.toString()), e,
                    e instanceof java.net.SocketTimeoutException);
        }
        Duration wait = backoff(failures);
        LOG.warn("{}: {} failed ({}); retry {} of {} in {} ms", repo, describe(url), redact(e.toString()), failures,
                config.maxAttempts() - 1, wait.toMillis());
        sleeper.sleep(wait);
    }

    /** Before a request: waits while another thread's request met a secondary rate limit (see {@link #pause}). */
    private void awaitPause(String repo) throws InterruptedException {
        Pause p = pause.get();
        if (p != null && p.by() != Thread.currentThread()) {
            Duration left = Duration.between(config.clock().instant(), p.until());
            if (!left.isNegative() && !left.isZero()) {
                LOG.debug("{}: waiting {} ms, until {}: another request met GitHub's secondary rate limit", repo, left.toMillis(), p.until());
                sleeper.sleep(left);
            }
        }
    }

    /** Sends the request; the token's request in flight ends with the answer's headers (or the failure). */
    private Response execute(Request request, TokenBudgets budgets, int token) throws IOException {
        try {
            Response response = http.newCall(request).execute();
            readRateLimit(response, budgets, token);
            return response;
        } finally {
            budgets.answered(token);
        }
    }

    private GitHubUnreachableException unreachable(HttpUrl url, String why, IOException cause) {
        return new GitHubUnreachableException(url.host(), "cannot reach the GitHub API at " + url.host() + ":" + url.port() + ": " + why
                + "; check the network, the proxy (HTTPS_PROXY/NO_PROXY or -Dhttps.proxyHost) and --github-api-url", cause);
    }

    /** The most requests any usable token has left, as GitHub last said ({@link Integer#MAX_VALUE} when not known yet). */
    public int budgetLeft() {
        return app == null ? budgets.budgetLeft()
                : app.all().stream().mapToInt(i -> i.budgets().budgetLeft()).max().orElse(Integer.MAX_VALUE);
    }

    /** The largest hourly limit GitHub gave a token ({@code X-RateLimit-Limit}; 0 until one answered). */
    public int hourlyLimit() {
        return app == null ? budgets.limit() : app.all().stream().mapToInt(i -> i.budgets().limit()).max().orElse(0);
    }

    /** How long until the first token's rate limit window starts again. */
    public Duration untilBudgetReset() {
        return app == null ? budgets.untilFirstReset()
                : app.all().stream().map(i -> i.budgets().untilFirstReset()).min(Duration::compareTo).orElse(Duration.ZERO);
    }

    /** Every HTTP request sent so far, retries and redirects included. */
    public long requestsSent() {
        return requestsSent.get();
    }

    /** Every HTTP request sent so far for this repository ({@link #get}'s {@code repo}), retries and redirects included. */
    public long requestsSent(String repo) {
        AtomicLong n = requestsByRepository.get(repo);
        return n == null ? 0 : n.get();
    }

    /** The token to send the next request with (the one with most budget left), after waiting if none has any. */
    private int awaitPrimaryLimit(TokenBudgets budgets, String repo) throws InterruptedException {
        int token = budgets.choose();
        while (token < 0) {
            Duration wait = budgets.untilFirstReset();
            if (!wait.isZero()) {
                LOG.warn("{}: GitHub rate limit reached (0 requests left{}); waiting {} s, until {}, before the next request",
                        repo, config.token().count() > 1 ? " on every token" : "", wait.toSeconds(), config.clock().instant().plus(wait));
                sleeper.sleep(wait);
            }
            budgets.waited();
            token = budgets.choose();
        }
        return token;
    }

    /** True when a token other than those GitHub said are spent still has budget (checked without spending it). */
    private boolean anotherTokenHasBudget() {
        return config.token().count() > 1 && budgets.anyBudgetLeft();
    }

    private void readRateLimit(Response response, TokenBudgets budgets, int token) {
        String remaining = response.header("X-RateLimit-Remaining");
        String reset = response.header("X-RateLimit-Reset");
        String limit = response.header("X-RateLimit-Limit");
        if (limit != null) {
            budgets.limit((int) parseLong(limit, 0));
        }
        rateLimitRemaining = remaining == null ? -1 : (int) parseLong(remaining, -1);
        if (rateLimitRemaining >= 0) {
            metrics.rateLimitRemaining(rateLimitRemaining, config.token().isPresent() || app != null);
        }
        budgets.update(token, rateLimitRemaining < 0 ? null : rateLimitRemaining,
                reset == null ? null : Instant.ofEpochSecond(parseLong(reset, 0)));
    }

    /** The {@code page} of the {@code rel="last"} target, which tells how long a listing is; -1 when not given. */
    private static int lastPage(String link, HttpUrl page) {
        String target = link == null ? null : LinkHeader.target(link, "last");
        HttpUrl last = target == null ? null : page.resolve(target);
        return last == null ? -1 : (int) parseLong(String.valueOf(last.queryParameter("page")), -1);
    }

    /**
     * The {@code rel="next"} target of a {@code Link} header (RFC 8288; relative targets resolve against the page),
     * or null on the last page. A target on another origin (an Enterprise server behind a proxy advertising its
     * internal host) is read on the API base instead; a target that cannot be read at all fails the listing rather
     * than ending it early as if it were complete.
     */
    private HttpUrl nextLink(String link, HttpUrl page, String repo) {
        String target = LinkHeader.target(link, "next");
        if (target == null) {
            return null;
        }
        HttpUrl next = page.resolve(target);
        if (next == null) {
            throw new GitHubApiException(repo + ": " + describe(page) + " names a next page that is not a URL; the listing "
                    + "cannot go on and its cursor stays where it was", null);
        }
        if (sameOrigin(next, config.githubApiUrl())) {
            return next;
        }
        HttpUrl rebased = onApiBase(next);
        if (foreignLinkHosts.add(next.host() + ":" + next.port())) {
            LOG.info("{}: GitHub's Link URLs name {}://{}:{}, not --github-api-url {}; reading their path and query there "
                    + "(e.g. {})", repo, next.scheme(), next.host(), next.port(), config.githubApiUrl(), describe(rebased));
        }
        return rebased;
    }

    /**
     * A URL of another origin as the same path and query on the API base: {@code http://ghe.internal/api/v3/x?page=2}
     * on {@code https://ghe.example.com/api/v3} is {@code https://ghe.example.com/api/v3/x?page=2}, and a path without
     * the base's prefix ({@code /x?page=2}) gets it.
     */
    HttpUrl onApiBase(HttpUrl foreign) {
        HttpUrl base = config.githubApiUrl();
        String prefix = base.encodedPath().endsWith("/") ? base.encodedPath().substring(0, base.encodedPath().length() - 1) : base.encodedPath();
        String path = foreign.encodedPath();
        if (!prefix.isEmpty() && !path.equals(prefix) && !path.startsWith(prefix + "/")) {
            path = prefix + path;
        }
        return base.newBuilder().encodedPath(path).encodedQuery(foreign.encodedQuery()).build();
    }

    static boolean sameOrigin(HttpUrl a, HttpUrl b) {
        return a.scheme().equals(b.scheme()) && a.host().equals(b.host()) && a.port() == b.port();
    }

    private Duration backoff(int failures) {
        long base = config.initialBackoff().toMillis() << Math.min(20, failures - 1);
        long capped = Math.min(config.maxBackoff().toMillis(), base);
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    /** The path and query of a URL, without userinfo; safe to log. */
    static String describe(HttpUrl url) {
        return url.encodedPath() + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery());
    }

    private String redact(String text) {
        text = config.token().redact(text);
        if (app != null) {
            for (GitHubAppInstallations.Installation installation : app.all()) {
                text = installation.redact(text);
            }
        }
        return text;
    }

    /**
     * A request of the GitHub App itself (an installation look-up, a token request) with its JWT: I/O errors, 5xx and
     * 408 retried with the same backoff as {@link #get}; every other answer returned as it is.
     */
    private GitHubAppInstallations.Answer sendAsApp(String method, HttpUrl url, String authorization, String label) throws InterruptedException {
        int failures = 0;
        while (true) {
            if (closed.getCount() == 0) {
                throw new InterruptedException("the GitHub client is closed");
            }
            Request request = apiRequest(url)
                    .header("Authorization", authorization)
                    .method(method, method.equals("POST") ? okhttp3.RequestBody.create(new byte[0]) : null)
                    .build();
            requestsSent.incrementAndGet();
            int status;
            byte[] body;
            try (Response response = http.newCall(request).execute()) {
                status = response.code();
                metrics.request(url, Integer.toString(status));
                ResponseBody rb = response.body();
                body = rb == null ? new byte[0] : rb.bytes();
            } catch (IOException e) {
                ioFailure(e, url, label, ++failures);
                continue;
            }
            if ((status >= 500 || status == 408) && ++failures < config.maxAttempts()) {
                LOG.warn("{}: {} answered {}; retry {} of {}", label, describe(url), status, failures, config.maxAttempts() - 1);
                sleeper.sleep(backoff(failures));
                continue;
            }
            return new GitHubAppInstallations.Answer(status, body);
        }
    }

    /** GitHub's error {@code message} (its JSON error body), else the start of the body (a proxy's page), for the log. */
    private static String message(byte[] body) {
        try {
            JsonNode message = JSON.readTree(body).path("message");
            if (message.isTextual()) {
                String text = message.asText();
                return text.length() > 200 ? text.substring(0, 200) + "..." : text;
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8);
        return (text.length() > 120 ? text.substring(0, 120) + "..." : text).replaceAll("\\s+", " ");
    }

    private static long parseLong(String s, long otherwise) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    public int rateLimitRemaining() {
        return rateLimitRemaining;
    }

    /** Ends every wait of this client at once and cancels its calls in flight; later {@link #get} calls throw. */
    @Override
    public void close() {
        closed.countDown();
        http.dispatcher().cancelAll();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
