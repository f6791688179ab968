package dev.ghactivity.producer;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * bounded exponential backoff and jitter, and sends the token only to the configured API host.
 */
public final class GitHubClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubClient.class);
    private static final Pattern LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"([^\"]+)\"");
    private static final int MAX_LIMIT_WAITS = 10;

    private final ProducerAppConfig config;
    private final OkHttpClient http;
    private volatile int rateLimitRemaining = -1;
    private volatile Instant rateLimitReset = Instant.EPOCH;

    public GitHubClient(ProducerAppConfig config) {
        this.config = config;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(config.connectTimeout())
                .readTimeout(config.readTimeout())
                .callTimeout(config.readTimeout().multipliedBy(2))
                .followRedirects(false) // a redirect could carry the token elsewhere; GitHub's listings do not redirect
                .retryOnConnectionFailure(false)
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
     * @throws GitHubAuthenticationException  on 401
     * @throws RepositoryUnavailableException on 404, 410, 451 or a 403 that is not a rate limit
     * @throws GitHubApiException             when retries are exhausted
     */
    public GitHubPage get(HttpUrl url, String ifNoneMatch, String repo) throws InterruptedException {
        int failures = 0;
        int limitWaits = 0;
        int secondaryWaitsWithoutRetryAfter = 0;
        while (true) {
            awaitPrimaryLimit(repo);
            Request.Builder request = new Request.Builder().url(url)
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28")
                    .header("User-Agent", "ghactivity");
            String auth = config.token().authorizationHeader();
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
            try (Response response = http.newCall(request.build()).execute()) {
                status = response.code();
                readRateLimit(response);
                ResponseBody rb = response.body();
                body = rb == null ? new byte[0] : rb.bytes();
                etag = response.header("ETag");
                link = response.header("Link");
                retryAfter = response.header("Retry-After");
                location = response.header("Location");
            } catch (IOException e) {
                failures++;
                if (failures >= config.maxAttempts()) {
                    throw new GitHubApiException(repo + ": " + describe(url) + " failed " + failures + " times: " + redact(e.toString()), e);
                }
                Duration wait = backoff(failures);
                LOG.warn("{}: {} failed ({}); retry {} of {} in {} ms", repo, describe(url), redact(e.toString()), failures,
                        config.maxAttempts() - 1, wait.toMillis());
                config.sleeper().sleep(wait);
                continue;
            }
            if (status == 200) {
                return new GitHubPage(url, status, body, nextLink(link, repo), etag, rateLimitRemaining);
            }
            if (status == 304) {
                return new GitHubPage(url, status, new byte[0], null, etag != null ? etag : ifNoneMatch, rateLimitRemaining);
            }
            if (status == 401) {
                throw new GitHubAuthenticationException("GitHub rejected the credentials (401 Bad credentials) at "
                        + config.githubApiUrl() + ": set GITHUB_TOKEN (or --github-token-file) to a valid token, or unset it to read public data unauthenticated");
            }
            String message = message(body);
            if (status == 403 || status == 429) {
                boolean primary = rateLimitRemaining == 0;
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
                        wait = untilReset();
                        why = "primary rate limit exhausted (0 requests left)";
                    } else {
                        wait = config.secondaryLimitWait().multipliedBy(1L << Math.min(6, secondaryWaitsWithoutRetryAfter++));
                        why = "secondary rate limit without Retry-After";
                    }
                    LOG.warn("{}: {}; waiting {} s, until {}", repo, why, wait.toSeconds(), config.clock().instant().plus(wait));
                    config.sleeper().sleep(wait);
                    rateLimitRemaining = -1; // waited for this limit already
                    continue;
                }
                throw new RepositoryUnavailableException(status, repo + ": GitHub answered 403 Forbidden (" + message + ") for " + describe(url)
                        + "; the token may lack access to it");
            }
            if (status == 301 || status == 302 || status == 307 || status == 308) {
                // Redirects are not followed (they could carry the token elsewhere): a renamed or transferred repository, or issue.
                throw new RepositoryUnavailableException(status, repo + ": GitHub answered " + status + " (moved to "
                        + describeLocation(location) + ") for " + describe(url) + "; a renamed or transferred repository is ingested under its new name");
            }
            if (status == 404 || status == 410 || status == 451) {
                throw new RepositoryUnavailableException(status, repo + ": GitHub answered " + status + " (" + message + ") for "
                        + describe(url) + (status == 451 ? "; unavailable for legal reasons" : "; check the name, or whether the token can see it"));
            }
            if (status >= 500 || status == 408) {
                failures++;
                if (failures >= config.maxAttempts()) {
                    throw new GitHubApiException(repo + ": " + describe(url) + " answered " + status + " " + failures + " times", null);
                }
                Duration wait = backoff(failures);
                LOG.warn("{}: {} answered {}; retry {} of {} in {} ms", repo, describe(url), status, failures, config.maxAttempts() - 1, wait.toMillis());
                config.sleeper().sleep(wait);
                continue;
            }
            throw new GitHubApiException(repo + ": " + describe(url) + " answered " + status + " (" + message + ")", null);
        }
    }

    private void awaitPrimaryLimit(String repo) throws InterruptedException {
        if (rateLimitRemaining == 0) {
            Duration wait = untilReset();
            if (!wait.isZero()) {
                LOG.warn("{}: GitHub rate limit reached (0 requests left); waiting {} s, until {}, before the next request",
                        repo, wait.toSeconds(), rateLimitReset);
                config.sleeper().sleep(wait);
            }
            rateLimitRemaining = -1;
        }
    }

    private Duration untilReset() {
        Duration d = Duration.between(config.clock().instant(), rateLimitReset.plusSeconds(1));
        return d.isNegative() ? Duration.ZERO : d;
    }

    private void readRateLimit(Response response) {
        String remaining = response.header("X-RateLimit-Remaining");
        String reset = response.header("X-RateLimit-Reset");
        if (remaining != null) {
            rateLimitRemaining = (int) parseLong(remaining, -1);
        }
        if (reset != null) {
            rateLimitReset = Instant.ofEpochSecond(parseLong(reset, 0));
        }
    }

    private HttpUrl nextLink(String link, String repo) {
        if (link == null) {
            return null;
        }
        Matcher m = LINK.matcher(link);
        while (m.find()) {
            if (m.group(2).equals("next")) {
                HttpUrl next = HttpUrl.parse(m.group(1));
                if (next == null) {
                    LOG.warn("{}: ignoring an unparsable Link next URL", repo);
                    return null;
                }
                if (!sameOrigin(next, config.githubApiUrl())) {
                    // Following it would send the token to another host.
                    LOG.error("{}: Link next points to another host ({}); the listing stops here", repo, next.host());
                    return null;
                }
                return next;
            }
        }
        return null;
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

    /** The path of a redirect target, for the log; never its query (it could hold anything). */
    private static String describeLocation(String location) {
        HttpUrl target = location == null ? null : HttpUrl.parse(location);
        return target == null ? "an unknown location" : target.encodedPath();
    }

    private String redact(String text) {
        return config.token().redact(text);
    }

    private static String message(byte[] body) {
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"message\"\\s*:\\s*\"([^\"]{0,200})").matcher(text);
        return m.find() ? m.group(1) : (text.length() > 120 ? text.substring(0, 120) + "..." : text).replaceAll("\\s+", " ");
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

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
