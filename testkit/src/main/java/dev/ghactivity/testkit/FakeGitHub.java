package dev.ghactivity.testkit;

import dev.ghactivity.testkit.GitHubFixtures.RecordedResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.HttpUrl;

/**
 * A fake GitHub REST API on 127.0.0.1 that serves recorded fixtures and synthetic histories the way
 * GitHub does: {@code per_page}/{@code page} pagination with {@code Link} headers, {@code since},
 * ETags with 304 answers, rate-limit headers, {@code compare/{base}...{head}} on a commits listing, plus injectable faults (5xx, resets, limits, malformed pages).
 * Thread-safe; every request is recorded for assertions.
 */
public final class FakeGitHub implements AutoCloseable {
    private static final Pattern REPO_LISTING = Pattern.compile("^/repos/([^/]+)/([^/]+)/(commits|issues)$");
    private static final Pattern RECORDED_LISTING = Pattern.compile("^/repositories/(\\d+)/issues$");
    private static final com.fasterxml.jackson.databind.ObjectMapper ITEM_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern COMPARE = Pattern.compile("^/repos/([^/]+)/([^/]+)/compare/([0-9a-fA-F]+)\\.\\.\\.([0-9a-fA-F]+)$");
    private static final Pattern MOVED = Pattern.compile("^/repos/([^/]+)/([^/]+)(/.*)?$");
    private static final Pattern ID_LISTING = Pattern.compile("^/repositories/(\\d+)(?:/(commits|issues))?$");
    private static final Pattern ONE_REPO = Pattern.compile("^/repos/([^/]+)/([^/]+)$");
    private static final Pattern ONE_ISSUE = Pattern.compile("^/repos/([^/]+)/([^/]+)/issues/(\\d+)$");
    private static final Pattern BY_ID = Pattern.compile("^/repositories/(\\d+)(/.*)?$");
    private static final Pattern OWNER_REPOS = Pattern.compile("^/(orgs|users)/([^/]+)/repos$");

    private final MockWebServer server = new MockWebServer();
    private final Map<String, Listing> listings = new ConcurrentHashMap<>();
    private final Map<String, List<RecordedResponse>> recordedIssues = new ConcurrentHashMap<>();
    private final Map<String, List<RecordedResponse>> recordedById = new ConcurrentHashMap<>();
    private final Set<String> notFound = ConcurrentHashMap.newKeySet();
    /** {@code repo#number} -> the status its own URL answers (410 deleted, 301 transferred). */
    private final Map<String, Integer> goneIssues = new ConcurrentHashMap<>();
    private final Map<String, String> goneLocations = new ConcurrentHashMap<>();
    /** {@code repo#number} -> the last item served for it by {@link #serveIssueItems}. */
    private final Map<String, String> issueItems = new ConcurrentHashMap<>();
    private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger remaining = new AtomicInteger(5000);
    private volatile boolean unauthorized;
    /** Whether a repository nothing was served for answers 404 (as on GitHub) rather than empty listings. */
    private volatile boolean unknownRepositoriesNotFound;
    /** Repositories whose commits answer 409 "Git Repository is empty.". */
    private final Set<String> emptyRepositories = ConcurrentHashMap.newKeySet();
    /** {@code old name -> [id, new name]} of renamed repositories. */
    private final Map<String, String[]> renamed = new ConcurrentHashMap<>();
    /** Repository ids, given in the order repositories are first listed (a renamed one keeps its id). */
    private final Map<String, Long> ids = new ConcurrentHashMap<>();
    /**
     * Shared by every fake in the JVM: a repository id names one repository on GitHub, and tests that run several fakes
     * against one broker (one {@code github.ingest-state}) must not give two repositories the same id.
     */
    private static final AtomicLong nextId = new AtomicLong(1000);
    private final Set<String> forks = ConcurrentHashMap.newKeySet();
    /** Budgets of tokens given {@link #tokenBudget}: requests left this hour, and requests sent past it. */
    private final Map<String, AtomicInteger> tokenBudgets = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tokenOveruse = new ConcurrentHashMap<>();
    private final Set<String> rejectedTokens = ConcurrentHashMap.newKeySet();
    private final Set<String> archived = ConcurrentHashMap.newKeySet();
    /** The GitHub App, when requests must authenticate as one of its installations ({@link #githubApp}); null: any credential. */
    private volatile FakeGitHubApp app;
    /** The path the API is served under ({@code /api/v3} on an Enterprise server); empty: at the root. */
    private volatile String basePath = "";
    /** How far the fake's clock ({@link #clock()}) is ahead of the real one, and how far each request moves it. */
    private final AtomicLong clockOffsetMillis = new AtomicLong();
    private volatile Duration clockStep = Duration.ZERO;
    private final AtomicInteger unauthorizedAnswers = new AtomicInteger();

    /** How long each answer takes to be computed (GitHub's round trip); zero by default. */
    private volatile Duration latency = Duration.ZERO;
    /** Repositories with a request being answered now, and how many each; guarded by itself. */
    private final Map<String, Integer> inFlight = new java.util.HashMap<>();
    private int requestsInFlight;
    private int maxRequestsInFlight;
    private int maxRepositoriesInFlight;
    /** When each request arrived, in arrival order (parallel to {@link #requests}). */
    private final List<Instant> arrivals = new CopyOnWriteArrayList<>();
    /** The origin Link URLs name (an Enterprise server behind a proxy advertising its internal host); null: this server. */
    private volatile String linkOrigin;

    private FakeGitHub() {
    }

    public static FakeGitHub start() {
        return start(0);
    }

    public static FakeGitHub start(int port) {
        return start(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * On {@code address}, e.g. the wildcard address for containers that reach the host through
     * {@code host.docker.internal} (loopback is not reachable from a container).
     */
    public static FakeGitHub start(InetAddress address, int port) {
        FakeGitHub fake = new FakeGitHub();
        fake.server.setServerSocketFactory(new NoDelayServerSocketFactory());
        fake.server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return fake.dispatch(request);
            }
        });
        try {
            fake.server.start(address, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake GitHub", e);
        }
        return fake;
    }

    /** Base URL to configure as the GitHub API URL, e.g. {@code http://127.0.0.1:50123}. */
    public String apiUrl() {
        String url = server.url("/").toString();
        return url.substring(0, url.length() - 1) + basePath;
    }

    /**
     * Serves the API under this path, like an Enterprise server's {@code https://host/api/v3} ({@link #apiUrl()} includes
     * it); a request outside it answers 404.
     */
    public FakeGitHub basePath(String path) {
        basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return this;
    }

    /**
     * From now on, every request must authenticate as this GitHub App: a JWT signed with the key of {@code publicKey} for
     * the app's endpoints, an installation token for the data (see {@link FakeGitHubApp}). Times are the fake's
     * {@link #clock()}.
     */
    public FakeGitHubApp githubApp(long appId, java.security.interfaces.RSAPublicKey publicKey) {
        FakeGitHubApp created = new FakeGitHubApp(appId, publicKey, clock());
        app = created;
        return created;
    }

    /** The fake's clock: the real time, plus every {@link #advanceClockPerRequest step} taken so far. */
    public java.time.Clock clock() {
        return new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.now().plusMillis(clockOffsetMillis.get());
            }
        };
    }

    /** Moves {@link #clock()} this much now (time passes between two polls). */
    public FakeGitHub advanceClock(Duration by) {
        clockOffsetMillis.addAndGet(by.toMillis());
        return this;
    }

    /** Moves {@link #clock()} this much after each request is answered: an hour of tokens passes in a few requests. */
    public FakeGitHub advanceClockPerRequest(Duration step) {
        clockStep = step;
        return this;
    }

    /** How many requests were answered 401 so far. */
    public int unauthorizedAnswers() {
        return unauthorizedAnswers.get();
    }

    public int port() {
        return server.getPort();
    }

    // ---------------------------------------------------------------- data

    /** The recorded 5-page octokit issues scenario as the issues of {@code repo} (pages 2-5 via /repositories/{id}/issues). */
    public FakeGitHub serveRecordedIssues(String repo) {
        List<RecordedResponse> pages = GitHubFixtures.recordedGets(GitHubFixtures.PAGINATED_ISSUES);
        recordedIssues.put(key(repo), pages);
        for (RecordedResponse page : pages) {
            Matcher m = RECORDED_LISTING.matcher(HttpUrl.get("https://api.github.com" + page.path()).encodedPath());
            if (m.matches()) {
                recordedById.put(m.group(1), pages);
            }
        }
        return this;
    }

    /** A body-only commits fixture (JSON array) as the commits of {@code repo}, in the fixture's order. */
    public FakeGitHub serveCommits(String repo, String bodyFixtureFile) {
        List<String> items = GitHubFixtures.items(bodyFixtureFile);
        listings.put(key(repo) + ":commits", Listing.of(items, json -> at(json, "/commit/committer/date")));
        return this;
    }

    /** A body-only issues fixture (JSON array) as the issues of {@code repo}. */
    public FakeGitHub serveIssues(String repo, String bodyFixtureFile) {
        return serveIssueItems(repo, GitHubFixtures.items(bodyFixtureFile));
    }

    /** These commit items (JSON objects as text) as the commits of {@code repo}; replaces what was there. */
    public FakeGitHub serveCommitItems(String repo, List<String> items) {
        listings.put(key(repo) + ":commits", Listing.of(items, json -> at(json, "/commit/committer/date")));
        return this;
    }

    /**
     * These issue items (JSON objects as text) as the issues of {@code repo}; replaces the listing. An item left
     * out of a later listing still answers on its own URL (a listing can miss an item), unless {@link #issueGone}.
     */
    public FakeGitHub serveIssueItems(String repo, List<String> items) {
        listings.put(key(repo) + ":issues", Listing.of(items, json -> at(json, "/updated_at")));
        for (String item : items) {
            issueItems.put(key(repo) + "#" + numberOf(item), item);
        }
        return this;
    }

    /** A generated history: {@code commits} commits and {@code issues} issues, generated page by page. */
    public SyntheticActivity serveSyntheticActivity(String repo, int commits, int issues, long seed) {
        SyntheticActivity activity = new SyntheticActivity(repo.toLowerCase(Locale.ROOT), commits, issues, seed);
        int n = activity.commits();
        // Commits are listed newest first; issues by updated_at ascending.
        listings.put(key(repo) + ":commits", new Listing(n, pos -> activity.commitJson(n - 1 - pos), since -> {
            int first = firstIndexAtOrAfter(n, activity::committerDate, since);
            return Selection.range(0, n - first);
        }));
        int m = activity.issues();
        listings.put(key(repo) + ":issues", new Listing(m, activity::issueJson,
                since -> Selection.range(firstIndexAtOrAfter(m, activity::updatedAt, since), m)));
        return activity;
    }

    /** The {@code id} the owner's repository listing gives {@code repo} (stable; for {@link #renamed}). */
    public long id(String repo) {
        return ids.computeIfAbsent(key(repo), r -> nextId.incrementAndGet());
    }

    /** {@code repo} is listed by its owner's repository listing with {@code "fork": true}. */
    public FakeGitHub fork(String repo) {
        forks.add(key(repo));
        return this;
    }

    /** {@code repo} is listed by its owner's repository listing with {@code "archived": true}. */
    public FakeGitHub archived(String repo) {
        archived.add(key(repo));
        return this;
    }

    /** {@code repo} was deleted: its owner's listing no longer holds it and its listings answer 404. */
    public FakeGitHub deleteRepository(String repo) {
        listings.remove(key(repo) + ":commits");
        listings.remove(key(repo) + ":issues");
        emptyRepositories.remove(key(repo));
        return notFound(repo);
    }

    /**
     * The repositories this fake holds (those with a listing, empty or recorded ones, renamed ones under their new
     * name, not those answering 404), lower case, sorted: what {@code GET /orgs/{org}/repos} and
     * {@code GET /users/{user}/repos} list for their owner.
     */
    public List<String> repositories() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (String k : listings.keySet()) {
            names.add(k.substring(0, k.lastIndexOf(':')));
        }
        names.addAll(emptyRepositories);
        names.addAll(recordedIssues.keySet());
        names.removeAll(notFound);
        names.removeAll(renamed.keySet());
        return List.copyOf(names);
    }

    /**
     * From now on a repository this fake serves nothing for (no listing, not empty, not recorded, not renamed) answers 404
     * to its listings, {@code compare} and {@code GET /repos/{owner}/{name}}, as GitHub does for a repository that does not
     * exist or that the token cannot see. Without this, its listings answer 200 with no items (tests that name
     * repositories they serve nothing for).
     */
    public FakeGitHub unknownRepositoriesAnswer404() {
        unknownRepositoriesNotFound = true;
        return this;
    }

    /** Whether this fake serves anything for {@code repo} (lower case): cheap, asked at every request. */
    private boolean serves(String repo) {
        return listings.containsKey(repo + ":commits") || listings.containsKey(repo + ":issues") || emptyRepositories.contains(repo)
                || recordedIssues.containsKey(repo);
    }

    /** Answers 404 for every listing of {@code repo}. */
    public FakeGitHub notFound(String repo) {
        notFound.add(key(repo));
        return this;
    }

    /**
     * Issue {@code number} of {@code repo} no longer exists there: {@code GET /repos/{repo}/issues/{number}}
     * answers {@code status} (410 for a deleted issue, 301 for a transferred one). Serve a listing without it
     * to make it vanish from the listing too.
     */
    public FakeGitHub issueGone(String repo, long number, int status) {
        goneIssues.put(key(repo) + "#" + number, status);
        return this;
    }

    /** {@code repo} has no commits: its commits listing answers 409 "Git Repository is empty." as GitHub does. */
    public FakeGitHub emptyRepository(String repo) {
        emptyRepositories.add(key(repo));
        return this;
    }

    /**
     * {@code oldName} was renamed to {@code newName} (serve its listings under {@code newName}): every
     * {@code /repos/{oldName}/...} request answers 301 with {@code Location: /repositories/{id}/...} (same query), as
     * GitHub does; {@code /repositories/{id}/commits|issues} serve {@code newName}'s listings and
     * {@code /repositories/{id}} answers {@code {"id": id, "full_name": newName}}.
     */
    public FakeGitHub renamed(String oldName, String newName, long id) {
        renamed.put(key(oldName), new String[] {String.valueOf(id), key(newName), newName});
        ids.put(key(newName), id);
        return this;
    }

    /** Link headers name this origin (e.g. {@code http://ghe.internal:8080}) instead of this server's; null restores it. */
    public FakeGitHub linkOrigin(String origin) {
        linkOrigin = origin;
        return this;
    }

    /** Issue {@code number} of {@code repo} answers 301 to {@code location} (e.g. a URL on another host). */
    public FakeGitHub issueGoneTo(String repo, long number, String location) {
        goneIssues.put(key(repo) + "#" + number, 301);
        goneLocations.put(key(repo) + "#" + number, location);
        return this;
    }

    // ---------------------------------------------------------------- faults

    /** The next {@code n} requests answer {@code status} with a JSON message. */
    public FakeGitHub failNext(int n, int status) {
        for (int i = 0; i < n; i++) {
            faults.add(new Fault(r -> true, normal -> error(status, "injected " + status).build()));
        }
        return this;
    }

    /** The next request whose URL matches answers {@code status} (e.g. a Link next page that is gone). */
    public FakeGitHub failWhen(Predicate<HttpUrl> url, int status) {
        faults.add(new Fault(r -> url.test(r.getUrl()), normal -> error(status, "injected " + status).build()));
        return this;
    }

    /** The next request hits the primary rate limit: 403, remaining 0, reset {@code resetIn} from now. */
    public FakeGitHub rateLimitNext(Duration resetIn) {
        faults.add(new Fault(r -> true, normal -> error(403, "API rate limit exceeded for user.")
                .setHeader("X-RateLimit-Remaining", "0")
                .setHeader("X-RateLimit-Reset", String.valueOf(Instant.now().plus(resetIn).getEpochSecond()))
                .build()));
        return this;
    }

    /** The next request succeeds but reports remaining 0 with a reset {@code resetIn} from now. */
    public FakeGitHub exhaustRateLimitNext(Duration resetIn) {
        return exhaustRateLimitWhen(url -> true, resetIn);
    }

    /** The same for the next request whose URL matches (e.g. a listing's first page, not the repository look-up before it). */
    public FakeGitHub exhaustRateLimitWhen(Predicate<HttpUrl> url, Duration resetIn) {
        faults.add(new Fault(r -> url.test(r.getUrl()), normal -> new MockResponse.Builder(normal)
                .setHeader("X-RateLimit-Remaining", "0")
                .setHeader("X-RateLimit-Reset", String.valueOf(Instant.now().plus(resetIn).getEpochSecond()))
                .build()));
        return this;
    }

    /** The next request hits a secondary rate limit: 403, with {@code Retry-After} when not null. */
    public FakeGitHub secondaryLimitNext(Integer retryAfterSeconds) {
        faults.add(new Fault(r -> true, normal -> {
            MockResponse.Builder b = error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.");
            if (retryAfterSeconds != null) {
                b.setHeader("Retry-After", String.valueOf(retryAfterSeconds));
            }
            return b.build();
        }));
        return this;
    }

    /** The next {@code n} requests get their connection closed before any answer. */
    public FakeGitHub resetConnectionNext(int n) {
        for (int i = 0; i < n; i++) {
            faults.add(new Fault(r -> true, normal -> new MockResponse.Builder(normal)
                    .onResponseStart(new SocketEffect.CloseSocket()).build()));
        }
        return this;
    }

    /** The next {@code n} answers come after {@code delay}. */
    public FakeGitHub delayNext(int n, Duration delay) {
        return delayWhen(url -> true, n, delay);
    }

    /** The next {@code n} answers to requests whose URL matches come after {@code delay} (e.g. one listing's pages only). */
    public FakeGitHub delayWhen(Predicate<HttpUrl> url, int n, Duration delay) {
        for (int i = 0; i < n; i++) {
            faults.add(new Fault(r -> url.test(r.getUrl()), normal -> new MockResponse.Builder(normal)
                    .headersDelay(delay.toMillis(), TimeUnit.MILLISECONDS).build()));
        }
        return this;
    }

    /** The next page keeps its headers (Link included) but its body is not JSON. */
    public FakeGitHub malformedNextPage() {
        return malformedPageWhen(url -> true);
    }

    /** The next request whose URL matches keeps its headers (Link included) but gets a body that is not JSON. */
    public FakeGitHub malformedPageWhen(Predicate<HttpUrl> url) {
        faults.add(new Fault(r -> url.test(r.getUrl()), normal -> new MockResponse.Builder(normal)
                .body("<html><body>502 Bad Gateway</body></html>").build()));
        return this;
    }

    /** Every request answers 401 Bad credentials from now on. */
    public FakeGitHub unauthorized() {
        return unauthorized(true);
    }

    /** Every request answers 401 Bad credentials while set. */
    public FakeGitHub unauthorized(boolean on) {
        unauthorized = on;
        return this;
    }

    /**
     * Requests with {@code Authorization: Bearer token} have this many requests an hour, not refilled: each answer says
     * what is left ({@code X-RateLimit-Remaining}); once none is left GitHub's 403 "API rate limit exceeded" answers,
     * and the request is counted in {@link #requestsPastLimit}.
     */
    public FakeGitHub tokenBudget(String token, int requests) {
        tokenBudgets.put(token, new AtomicInteger(requests));
        tokenOveruse.putIfAbsent(token, new AtomicInteger());
        return this;
    }

    /** What is left of this token's budget ({@link #tokenBudget}). */
    public int tokenBudgetLeft(String token) {
        return tokenBudgets.get(token).get();
    }

    /** Requests with this token answer 401 Bad credentials. */
    public FakeGitHub rejectToken(String token) {
        rejectedTokens.add(token);
        return this;
    }

    /** Requests sent with this token after its budget ({@link #tokenBudget}) was spent. */
    public int requestsPastLimit(String token) {
        return tokenOveruse.get(token).get();
    }

    /** Requests sent with this token so far. */
    public long requestsWith(String token) {
        return requests.stream().filter(r -> ("Bearer " + token).equals(r.getHeaders().get("Authorization"))).count();
    }

    /** Every request so far. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** A request and when it arrived. */
    public record TimedRequest(RecordedRequest request, Instant at) {
    }

    /** Every request so far with its arrival time, in arrival order. */
    public List<TimedRequest> timedRequests() {
        synchronized (inFlight) {
            List<TimedRequest> result = new ArrayList<>(arrivals.size());
            for (int i = 0; i < arrivals.size(); i++) {
                result.add(new TimedRequest(requests.get(i), arrivals.get(i)));
            }
            return result;
        }
    }

    /**
     * Each answer is computed {@code latency} after its request arrived, as GitHub's round trip; meanwhile the request
     * counts as in flight ({@link #maxRepositoriesInFlight}).
     */
    public FakeGitHub latency(Duration latency) {
        this.latency = latency;
        return this;
    }

    /**
     * The most requests this server was answering at once (from arrival until the answer is computed, the
     * {@link #latency} included; its body's transfer after that is not counted).
     */
    public int maxRequestsInFlight() {
        synchronized (inFlight) {
            return maxRequestsInFlight;
        }
    }

    /**
     * The most distinct repositories ({@code /repos/{owner}/{name}/...}, or {@code /repositories/{id}/...} by id) with
     * requests being answered at once, counted like {@link #maxRequestsInFlight}; other paths count under their own path.
     */
    public int maxRepositoriesInFlight() {
        synchronized (inFlight) {
            return maxRepositoriesInFlight;
        }
    }

    /** Forgets the maxima of requests and repositories in flight, e.g. after a warm-up phase. */
    public FakeGitHub resetInFlightMaxima() {
        synchronized (inFlight) {
            maxRequestsInFlight = requestsInFlight;
            maxRepositoriesInFlight = inFlight.size();
        }
        return this;
    }

    // ---------------------------------------------------------------- serving

    private MockResponse dispatch(RecordedRequest request) {
        String repository = repositoryOf(request.getUrl());
        synchronized (inFlight) {
            requests.add(request);
            arrivals.add(Instant.now());
            inFlight.merge(repository, 1, Integer::sum);
            requestsInFlight++;
            maxRequestsInFlight = Math.max(maxRequestsInFlight, requestsInFlight);
            maxRepositoriesInFlight = Math.max(maxRepositoriesInFlight, inFlight.size());
        }
        try {
            Duration wait = latency;
            if (!wait.isZero()) {
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            MockResponse response = authorizedAnswer(request);
            if (response.getCode() == 401) {
                unauthorizedAnswers.incrementAndGet();
            }
            clockOffsetMillis.addAndGet(clockStep.toMillis());
            return response;
        } finally {
            synchronized (inFlight) {
                requestsInFlight--;
                inFlight.computeIfPresent(repository, (r, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /** {@code owner/name} of a {@code /repos/...} URL, the repository an id names for {@code /repositories/{id}/...}, else the path. */
    private String repositoryOf(HttpUrl url) {
        String path = url.encodedPath().startsWith(basePath + "/") ? url.encodedPath().substring(basePath.length()) : url.encodedPath();
        Matcher byName = MOVED.matcher(path);
        if (byName.matches()) {
            return key(byName.group(1) + "/" + byName.group(2));
        }
        Matcher byId = BY_ID.matcher(path);
        if (byId.matches()) {
            for (Map.Entry<String, Long> e : ids.entrySet()) {
                if (String.valueOf(e.getValue()).equals(byId.group(1))) {
                    return e.getKey();
                }
            }
        }
        return path;
    }

    private MockResponse authorizedAnswer(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (!basePath.isEmpty()) {
            if (!path.startsWith(basePath + "/")) {
                return error(404, "Not Found").build();
            }
            path = path.substring(basePath.length());
        }
        FakeGitHubApp githubApp = app;
        if (githubApp != null) {
            MockResponse decided = githubApp.authorize(request.getMethod(), path, request.getHeaders().get("Authorization"), id -> {
                for (Map.Entry<String, Long> e : ids.entrySet()) {
                    if (String.valueOf(e.getValue()).equals(id)) {
                        return e.getKey().substring(0, e.getKey().indexOf('/'));
                    }
                }
                return null;
            });
            if (decided != null) {
                return decided;
            }
            return githubApp.withBudget(request.getHeaders().get("Authorization"), budgetedAnswer(request));
        }
        return budgetedAnswer(request);
    }

    private MockResponse budgetedAnswer(RecordedRequest request) {
        String auth = request.getHeaders().get("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : null;
        if (token != null && rejectedTokens.contains(token)) {
            return error(401, "Bad credentials").build();
        }
        AtomicInteger budget = token == null ? null : tokenBudgets.get(token);
        if (budget != null) {
            int left = budget.decrementAndGet();
            String reset = String.valueOf(Instant.now().plusSeconds(3600).getEpochSecond());
            if (left < 0) {
                budget.set(0);
                tokenOveruse.get(token).incrementAndGet();
                return error(403, "API rate limit exceeded for user.").setHeader("X-RateLimit-Remaining", "0")
                        .setHeader("X-RateLimit-Reset", reset).build();
            }
            return answer(request).newBuilder().setHeader("X-RateLimit-Remaining", String.valueOf(left)).setHeader("X-RateLimit-Reset", reset).build();
        }
        MockResponse normal = answer(request);
        synchronized (faults) {
            for (int i = 0; i < faults.size(); i++) {
                Fault fault = faults.get(i);
                if (fault.when.test(request)) {
                    faults.remove(i);
                    return fault.response.apply(normal);
                }
            }
        }
        return normal;
    }

    private MockResponse answer(RecordedRequest request) {
        if (unauthorized) {
            return error(401, "Bad credentials").build();
        }
        HttpUrl url = request.getUrl();
        if (!basePath.isEmpty()) {
            url = url.newBuilder().encodedPath(url.encodedPath().substring(basePath.length())).build();
        }
        Matcher movedRepo = MOVED.matcher(url.encodedPath());
        if (movedRepo.matches() && renamed.containsKey(key(movedRepo.group(1) + "/" + movedRepo.group(2)))) {
            String[] to = renamed.get(key(movedRepo.group(1) + "/" + movedRepo.group(2)));
            return error(301, "Moved Permanently").setHeader("Location", "/repositories/" + to[0] + (movedRepo.group(3) == null ? "" : movedRepo.group(3))
                    + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery())).build();
        }
        Matcher byIdListing = ID_LISTING.matcher(url.encodedPath());
        if (byIdListing.matches()) {
            for (String[] to : renamed.values()) {
                if (to[0].equals(byIdListing.group(1))) {
                    if (byIdListing.group(2) == null) {
                        return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
                                .body("{\"id\":" + to[0] + ",\"full_name\":\"" + to[2] + "\"}").build();
                    }
                    return listing(to[1], byIdListing.group(2), request);
                }
            }
        }
        Matcher ownerRepos = OWNER_REPOS.matcher(url.encodedPath());
        if (ownerRepos.matches()) {
            return ownerRepositories(ownerRepos.group(2), request);
        }
        Matcher repoListing = REPO_LISTING.matcher(url.encodedPath());
        if (repoListing.matches()) {
            return listing(key(repoListing.group(1) + "/" + repoListing.group(2)), repoListing.group(3), request);
        }
        return answerOther(request, url);
    }

    /**
     * {@code GET /orgs/{owner}/repos} or {@code /users/{owner}/repos}: the owner's repositories as GitHub lists them
     * ({@code id}, {@code name}, {@code full_name}, {@code owner.login}, {@code fork}, {@code archived}), paged like
     * any listing; 404 for an owner holding none.
     */
    private MockResponse ownerRepositories(String owner, RecordedRequest request) {
        List<String> items = new ArrayList<>();
        for (String repo : repositories()) {
            String[] parts = repo.split("/", 2);
            if (parts[0].equalsIgnoreCase(owner)) {
                long id = id(repo);
                items.add("{\"id\":" + id + ",\"name\":\"" + parts[1] + "\",\"full_name\":\"" + repo + "\",\"owner\":{\"login\":\""
                        + parts[0] + "\"},\"fork\":" + forks.contains(repo) + ",\"archived\":" + archived.contains(repo) + "}");
            }
        }
        if (items.isEmpty()) {
            return error(404, "Not Found").build();
        }
        return page(Listing.of(items, json -> Instant.EPOCH), request);
    }

    private MockResponse listing(String repo, String kind, RecordedRequest request) {
        {
            if (notFound.contains(repo) || (unknownRepositoriesNotFound && !serves(repo))) {
                return error(404, "Not Found").build();
            }
            if (kind.equals("commits") && emptyRepositories.contains(repo)) {
                return error(409, "Git Repository is empty.").build();
            }
            if (kind.equals("issues") && recordedIssues.containsKey(repo)) {
                return recorded(recordedIssues.get(repo).get(0), request);
            }
            Listing listing = listings.get(repo + ":" + kind);
            return page(listing == null ? Listing.EMPTY : listing, request);
        }
    }

    private MockResponse answerOther(RecordedRequest request, HttpUrl url) {
        Matcher compare = COMPARE.matcher(url.encodedPath());
        if (compare.matches()) {
            String repo = key(compare.group(1) + "/" + compare.group(2));
            return notFound.contains(repo) || (unknownRepositoriesNotFound && !serves(repo)) ? error(404, "Not Found").build()
                    : compare(repo, compare.group(3), compare.group(4), request);
        }
        Matcher oneRepo = ONE_REPO.matcher(url.encodedPath());
        if (oneRepo.matches() && serves(key(oneRepo.group(1) + "/" + oneRepo.group(2)))
                && !notFound.contains(key(oneRepo.group(1) + "/" + oneRepo.group(2)))) {
            String repo = key(oneRepo.group(1) + "/" + oneRepo.group(2));
            return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
                    .body("{\"id\":" + id(repo) + ",\"full_name\":\"" + repo + "\",\"fork\":" + forks.contains(repo)
                            + ",\"archived\":" + archived.contains(repo) + "}").build();
        }
        Matcher oneIssue = ONE_ISSUE.matcher(url.encodedPath());
        if (oneIssue.matches()) {
            return oneIssue(key(oneIssue.group(1) + "/" + oneIssue.group(2)), Long.parseLong(oneIssue.group(3)));
        }
        Matcher byId = RECORDED_LISTING.matcher(url.encodedPath());
        if (byId.matches() && recordedById.containsKey(byId.group(1))) {
            List<RecordedResponse> pages = recordedById.get(byId.group(1));
            String page = url.queryParameter("page");
            for (RecordedResponse r : pages) {
                HttpUrl recordedUrl = HttpUrl.get("https://api.github.com" + r.path());
                if (recordedUrl.encodedPath().equals(url.encodedPath()) && String.valueOf(page).equals(recordedUrl.queryParameter("page"))) {
                    return recorded(r, request);
                }
            }
        }
        return error(404, "Not Found").build();
    }

    /** {@code GET /repos/{o}/{r}/issues/{n}}: the item of that number in the issues listing, or how it went away. */
    private MockResponse oneIssue(String repo, long number) {
        Integer gone = goneIssues.get(repo + "#" + number);
        if (gone != null) {
            MockResponse.Builder b = error(gone, gone == 410 ? "This issue was deleted" : "Moved Permanently");
            if (gone >= 300 && gone < 400) {
                b.setHeader("Location", goneLocations.getOrDefault(repo + "#" + number, apiUrl() + "/repositories/1/issues/" + number));
            }
            return b.build();
        }
        String served = issueItems.get(repo + "#" + number);
        if (served != null) {
            return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(served).build();
        }
        Listing listing = listings.get(repo + ":issues");
        for (int i = 0; listing != null && i < listing.size; i++) {
            String item = listing.item.apply(i);
            if (numberOf(item) == number) {
                return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(item).build();
            }
        }
        return error(404, "Not Found").build();
    }

    /**
     * {@code GET /repos/{o}/{r}/compare/{base}...{head}} on the commits listing taken as one line of history (newest
     * first): the commits from {@code head} down to {@code base} (exclusive), oldest first, paginated like GitHub's
     * ({@code per_page} up to 250, {@code Link} next); 404 when either is not in the listing.
     */
    private MockResponse compare(String repo, String base, String head, RecordedRequest request) {
        Listing listing = listings.getOrDefault(repo + ":commits", Listing.EMPTY);
        int basePosition = -1;
        int headPosition = -1;
        for (int i = 0; i < listing.size && (basePosition < 0 || headPosition < 0); i++) {
            String sha = shaOf(listing.item.apply(i));
            if (sha.equalsIgnoreCase(base)) {
                basePosition = i;
            }
            if (sha.equalsIgnoreCase(head)) {
                headPosition = i;
            }
        }
        if (basePosition < 0 || headPosition < 0) {
            return error(404, "Not Found").build();
        }
        int ahead = Math.max(0, basePosition - headPosition);
        HttpUrl url = request.getUrl();
        int perPage = Math.max(1, Math.min(250, intParam(url, "per_page", 250)));
        int page = Math.max(1, intParam(url, "page", 1));
        StringBuilder commits = new StringBuilder("[");
        for (int i = (page - 1) * perPage; i < Math.min(ahead, page * perPage); i++) {
            commits.append(commits.length() > 1 ? "," : "").append(listing.item.apply(basePosition - 1 - i));
        }
        commits.append(']');
        String status = ahead > 0 ? "ahead" : headPosition == basePosition ? "identical" : "behind";
        MockResponse.Builder b = rateLimitHeaders(new MockResponse.Builder().code(200), true)
                .setHeader("Content-Type", "application/json; charset=utf-8")
                .body("{\"status\":\"" + status + "\",\"ahead_by\":" + ahead + ",\"behind_by\":0,\"total_commits\":" + ahead
                        + ",\"commits\":" + commits + ",\"files\":[]}");
        int lastPage = Math.max(1, (ahead + perPage - 1) / perPage);
        if (page < lastPage) {
            b.setHeader("Link", "<" + withPage(url, page + 1) + ">; rel=\"next\", <" + withPage(url, lastPage) + ">; rel=\"last\"");
        }
        return b.build();
    }

    private static String shaOf(String item) {
        try {
            return ITEM_JSON.readTree(item).path("sha").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static long numberOf(String item) {
        try {
            return ITEM_JSON.readTree(item).path("number").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    private MockResponse recorded(RecordedResponse r, RecordedRequest request) {
        String etag = r.header("ETag");
        if (etag != null && etag.equals(request.getHeaders().get("If-None-Match"))) {
            return new MockResponse.Builder().code(304).setHeader("ETag", etag).build();
        }
        MockResponse.Builder b = new MockResponse.Builder().code(r.status()).body(r.body());
        for (Map.Entry<String, String> h : r.headers()) {
            String name = h.getKey();
            if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                    || name.equalsIgnoreCase("Content-Encoding")) {
                continue;
            }
            String value = name.equalsIgnoreCase("Link") ? h.getValue().replace("https://api.github.com", apiUrl()) : h.getValue();
            b.addHeader(name, value);
        }
        return b.build();
    }

    private MockResponse page(Listing listing, RecordedRequest request) {
        HttpUrl url = request.getUrl();
        int perPage = Math.max(1, Math.min(100, intParam(url, "per_page", 30)));
        int page = Math.max(1, intParam(url, "page", 1));
        String sinceParam = url.queryParameter("since");
        Instant since = sinceParam == null ? null : OffsetDateTime.parse(sinceParam).toInstant();
        Selection selection = since == null ? Selection.range(0, listing.size) : listing.select.apply(since);
        int from = (page - 1) * perPage;
        int to = Math.min(selection.size(), from + perPage);
        StringBuilder body = new StringBuilder(Math.max(2, to - from) * 2048).append('[');
        for (int i = from; i < to; i++) {
            if (i > from) {
                body.append(',');
            }
            body.append(listing.item.apply(selection.position(i)));
        }
        body.append(']');
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8); // JDK encoding: much faster than okio's per-char UTF-8
        // Like GitHub's, the ETag changes with the content (an issue closed in place changes it); CRC32C is intrinsic, so cheap.
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        // Like GitHub's, the ETag covers this page's answer only (its body and Link header), not the listing's other pages.
        int lastPage = Math.max(1, (selection.size() + perPage - 1) / perPage);
        String etag = "\"" + sha256(url.encodedPath() + "|" + since + "|" + page + "|" + perPage + "|" + (page < lastPage ? lastPage : 0)
                + "|" + crc.getValue()) + "\"";
        if (etag.equals(request.getHeaders().get("If-None-Match"))) {
            return rateLimitHeaders(new MockResponse.Builder().code(304).setHeader("ETag", etag), false).build();
        }
        MockResponse.Builder b = rateLimitHeaders(new MockResponse.Builder().code(200), true)
                .setHeader("Content-Type", "application/json; charset=utf-8")
                .setHeader("ETag", etag)
                .body(new okio.Buffer().write(bytes));
        if (page < lastPage) {
            b.setHeader("Link", "<" + withPage(url, page + 1) + ">; rel=\"next\", <" + withPage(url, lastPage) + ">; rel=\"last\"");
        }
        return b.build();
    }

    private String withPage(HttpUrl url, int page) {
        return HttpUrl.get(linkOrigin != null ? linkOrigin : apiUrl()).newBuilder().encodedPath(url.encodedPath()).encodedQuery(url.encodedQuery())
                .setQueryParameter("page", String.valueOf(page)).build().toString();
    }

    private MockResponse.Builder rateLimitHeaders(MockResponse.Builder b, boolean counts) {
        int left = counts ? Math.max(0, remaining.decrementAndGet()) : remaining.get();
        if (left < 100) {
            remaining.set(5000); // a fresh hour: fake GitHub never runs dry by itself
        }
        return b.setHeader("X-RateLimit-Limit", "5000")
                .setHeader("X-RateLimit-Remaining", String.valueOf(left))
                .setHeader("X-RateLimit-Reset", String.valueOf(Instant.now().plusSeconds(3600).getEpochSecond()))
                .setHeader("X-RateLimit-Resource", "core");
    }

    static MockResponse.Builder error(int status, String message) {
        return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json; charset=utf-8")
                .body("{\"message\":\"" + message + "\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"" + status + "\"}");
    }

    private static int intParam(HttpUrl url, String name, int otherwise) {
        try {
            String v = url.queryParameter(name);
            return v == null ? otherwise : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static String key(String repo) {
        return repo.toLowerCase(Locale.ROOT);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first i in [0, n) with date(i) >= since (dates grow with i), or n. */
    private static int firstIndexAtOrAfter(int n, IntFunction<Instant> date, Instant since) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (date.apply(mid).isBefore(since)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The date at a JSON pointer of an item, e.g. /commit/committer/date; the epoch when absent. */
    private static Instant at(String json, String pointer) {
        try {
            String text = GitHubFixtures.JSON.readTree(json).at(pointer).asText(null);
            return text == null ? Instant.EPOCH : OffsetDateTime.parse(text).toInstant();
        } catch (IOException | RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    @Override
    public void close() {
        server.close();
    }

    /**
     * Pages are written as headers then body: without TCP_NODELAY, Nagle's algorithm and the client's delayed
     * ACK stall many responses by 40 ms, which would make the fake, not the producer, the bottleneck.
     */
    private static final class NoDelayServerSocketFactory extends javax.net.ServerSocketFactory {
        @Override
        public java.net.ServerSocket createServerSocket() throws IOException {
            return new java.net.ServerSocket() {
                @Override
                public java.net.Socket accept() throws IOException {
                    java.net.Socket socket = super.accept();
                    socket.setTcpNoDelay(true);
                    return socket;
                }
            };
        }

        @Override
        public java.net.ServerSocket createServerSocket(int port) throws IOException {
            java.net.ServerSocket s = createServerSocket();
            s.bind(new java.net.InetSocketAddress(port));
            return s;
        }

        @Override
        public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
            java.net.ServerSocket s = createServerSocket();
            s.bind(new java.net.InetSocketAddress(port), backlog);
            return s;
        }

        @Override
        public java.net.ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            java.net.ServerSocket s = createServerSocket();
            s.bind(new java.net.InetSocketAddress(address, port), backlog);
            return s;
        }
    }

    private record Fault(Predicate<RecordedRequest> when, java.util.function.Function<MockResponse, MockResponse> response) {
    }

    /** Items in API order, with {@code since} selecting positions. */
    private record Listing(int size, IntFunction<String> item, java.util.function.Function<Instant, Selection> select) {
        static final Listing EMPTY = new Listing(0, i -> "", since -> Selection.range(0, 0));

        static Listing of(List<String> items, java.util.function.Function<String, Instant> sinceKey) {
            List<String> copy = List.copyOf(items);
            List<Instant> keys = copy.stream().map(sinceKey).toList();
            return new Listing(copy.size(), copy::get, since -> {
                List<Integer> positions = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    if (!keys.get(i).isBefore(since)) {
                        positions.add(i);
                    }
                }
                return Selection.of(positions);
            });
        }
    }

    /** Positions of a listing, in API order. */
    private interface Selection {
        int size();

        int position(int i);

        static Selection range(int from, int to) {
            return new Selection() {
                public int size() {
                    return Math.max(0, to - from);
                }

                public int position(int i) {
                    return from + i;
                }
            };
        }

        static Selection of(List<Integer> positions) {
            return new Selection() {
                public int size() {
                    return positions.size();
                }

                public int position(int i) {
                    return positions.get(i);
                }
            };
        }
    }
}
