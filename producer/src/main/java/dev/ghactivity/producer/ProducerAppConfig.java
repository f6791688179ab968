package dev.ghactivity.producer;

import dev.ghactivity.schemas.RepositoryName;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;

/** Settings of the producer, immutable, with typed getters. */
public final class ProducerAppConfig {
    /**
     * The one home of each default that a command line also offers: picocli's {@code defaultValue} needs constant
     * strings, and the builders here and in the local stack parse the same strings, so help, README and code agree.
     */
    public static final class Defaults {
        public static final String GITHUB_API_URL = "https://api.github.com";
        public static final String POLL_INTERVAL = "60s";
        public static final String OVERLAP = "10m";
        public static final String FULL_REREAD_INTERVAL = "1d";
        public static final String TRANSACTIONAL_ID = "ghactivity-producer";
        public static final String DISCOVERY_INTERVAL = "1h";
        public static final String RATE_LIMIT_RESERVE = "100";
        /**
         * 4: enough to hide GitHub's round trip behind other repositories' pages, few enough to stay clear of its
         * secondary rate limits, which GitHub's guidance ties to concurrent requests ("make requests serially instead of
         * concurrently", docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api).
         */
        public static final String MAX_CONCURRENT_REPOS = "4";

        private Defaults() {
        }

        /** A default duration above as a {@link Duration}, read like the command line reads it. */
        public static Duration duration(String value) {
            return new DurationConverter().convert(value);
        }
    }

    private final String bootstrapServers;
    private final HttpUrl githubApiUrl;
    private final GitHubToken token;
    private final GitHubApp githubApp;
    private final List<RepositoryName> repositories;
    private final RepositorySelection selection;
    private final Duration discoveryInterval;
    private final int backfillSlicePages;
    private final int rateLimitReserve;
    private final int maxConcurrentRepos;
    private final Duration pollInterval;
    private final Duration overlap;
    private final Duration fullRereadInterval;
    private final String transactionalId;
    private final int maxRecordsPerTransaction;
    private final Duration maxTimePerTransaction;
    private final int perPage;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration secondaryLimitWait;
    private final Map<String, Object> kafkaProperties;
    private final Clock clock;
    private final Sleeper sleeper;

    private ProducerAppConfig(Builder b) {
        if (b.bootstrapServers == null || b.bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("give the Kafka bootstrap servers (HOST:PORT[,HOST:PORT...])");
        }
        this.bootstrapServers = b.bootstrapServers;
        this.githubApiUrl = apiUrl(b.githubApiUrl);
        this.token = Objects.requireNonNull(b.token, "token");
        this.githubApp = b.githubApp;
        if (githubApp != null && token.isPresent()) {
            throw new IllegalArgumentException("give either a GitHub App (--github-app-id) or tokens (GITHUB_TOKEN, GITHUB_TOKENS, "
                    + "--github-token-file), not both");
        }
        this.selection = b.selection != null ? b.selection : RepositorySelection.of(b.repositories);
        this.repositories = selection.named();
        this.discoveryInterval = b.discoveryInterval;
        this.backfillSlicePages = b.backfillSlicePages;
        this.rateLimitReserve = b.rateLimitReserve;
        checkRateLimitReserve(rateLimitReserve);
        this.maxConcurrentRepos = b.maxConcurrentRepos;
        if (maxConcurrentRepos < 1) {
            throw new IllegalArgumentException("--max-concurrent-repos must be at least 1 (repositories fetched at once), not " + maxConcurrentRepos);
        }
        if (backfillSlicePages < 1) {
            throw new IllegalArgumentException("the backfill slice must be at least 1 page, not " + backfillSlicePages);
        }
        this.pollInterval = b.pollInterval;
        this.overlap = b.overlap;
        this.fullRereadInterval = b.fullRereadInterval;
        this.transactionalId = b.transactionalId;
        this.maxRecordsPerTransaction = b.maxRecordsPerTransaction;
        this.maxTimePerTransaction = b.maxTimePerTransaction;
        this.perPage = b.perPage;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.secondaryLimitWait = b.secondaryLimitWait;
        this.kafkaProperties = Map.copyOf(b.kafkaProperties);
        this.clock = b.clock;
        this.sleeper = b.sleeper;
        if (selection.isEmpty()) {
            throw new IllegalArgumentException("give at least one repository (--repo OWNER/NAME), --org, --user or --repos-file");
        }
        positive(discoveryInterval, "discovery interval");
        if (perPage < 1 || perPage > 100 || maxAttempts < 1 || maxRecordsPerTransaction < 1) {
            throw new IllegalArgumentException("per_page 1-100, attempts >= 1, records per transaction >= 1");
        }
        positive(pollInterval, "poll interval");
        positive(maxTimePerTransaction, "time per transaction");
        positive(connectTimeout, "connect timeout");
        positive(readTimeout, "read timeout");
        positive(initialBackoff, "initial backoff");
        positive(secondaryLimitWait, "secondary rate limit wait");
        checkOverlap(overlap);
        checkFullRereadInterval(fullRereadInterval);
        if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("the maximum backoff (" + maxBackoff + ") must not be below the initial one (" + initialBackoff + ")");
        }
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("a transactional.id is required: one per producer instance, stable across its restarts");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /** @throws IllegalArgumentException when the overlap window is null or negative */
    static void checkOverlap(Duration overlap) {
        if (overlap == null || overlap.isNegative()) {
            throw new IllegalArgumentException("the overlap window must be zero or more, not " + overlap);
        }
    }

    /** @throws IllegalArgumentException when the full re-read interval is null or negative (zero: never) */
    static void checkFullRereadInterval(Duration fullRereadInterval) {
        if (fullRereadInterval == null || fullRereadInterval.isNegative()) {
            throw new IllegalArgumentException("the full re-read interval must be zero (never) or more, not " + fullRereadInterval);
        }
    }

    /** @throws IllegalArgumentException when the rate limit reserve is negative */
    static void checkRateLimitReserve(int rateLimitReserve) {
        if (rateLimitReserve < 0) {
            throw new IllegalArgumentException("the rate limit reserve must be zero or more requests, not " + rateLimitReserve);
        }
    }

    /** @throws IllegalArgumentException "the {what} must be positive, not {d}" when {@code d} is null, zero or negative */
    static void positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("the " + what + " must be positive, not " + d);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The GitHub API base URL, checked: {@code http(s)://host[:port][/path]}, no credentials, trailing slash dropped.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    static HttpUrl apiUrl(String text) {
        HttpUrl url = HttpUrl.parse(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        if (url == null) {
            throw new IllegalArgumentException("invalid GitHub API URL '" + text + "' (--github-api-url): expected http(s)://host[:port][/path], "
                    + "e.g. https://api.github.com or https://github.example.com/api/v3");
        }
        if (!url.username().isEmpty() || !url.password().isEmpty()) {
            throw new IllegalArgumentException("the GitHub API URL must not carry credentials; use GITHUB_TOKEN");
        }
        return url;
    }

    public HttpUrl githubApiUrl() {
        return githubApiUrl;
    }

    public GitHubToken token() {
        return token;
    }

    /** The GitHub App to authenticate as, instead of tokens ({@code --github-app-id}); empty with tokens or none. */
    public Optional<GitHubApp> githubApp() {
        return Optional.ofNullable(githubApp);
    }

    /** The named repositories of the selection (not those a listing brings in: see {@link #selection()}). */
    public List<RepositoryName> repositories() {
        return repositories;
    }

    /** Every repository to ingest: named ones, globs, organizations and users, exclusions. */
    public RepositorySelection selection() {
        return selection;
    }

    /**
     * Pages one listing reads in a row before the other repositories get their turn; it resumes at the next page
     * (its cursor's resume URL) in the next round, so one huge backfill delays another repository's poll by at most
     * one slice per backfilling repository.
     */
    public int backfillSlicePages() {
        return backfillSlicePages;
    }

    /**
     * Requests of the rate limit kept for incremental polls: a backfill that yielded its slice goes on only while some
     * token has more left than this; otherwise it waits for the first reset while the other repositories are polled.
     */
    public int rateLimitReserve() {
        return rateLimitReserve;
    }

    /**
     * Repositories polled at once (their GitHub requests in parallel, each with at most one page fetched ahead); their
     * pages and cursors go through the one transactional producer. At least 1.
     */
    public int maxConcurrentRepos() {
        return maxConcurrentRepos;
    }

    /** How often organizations, users and globs are listed again to notice new, deleted and renamed repositories. */
    public Duration discoveryInterval() {
        return discoveryInterval;
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    public Duration overlap() {
        return overlap;
    }

    /**
     * How often each listing is read again in full instead of since the cursor; zero = never. Commits are listed
     * by date, and old-dated commits pushed without a merge commit (merges are found by comparing heads) or after
     * a force push come before the cursor, where {@code since} never shows them; issues are paged by offset, so one updated mid-read shifts the rest and one is skipped; and deleted
     * or transferred issues are only noticed as missing from a complete listing.
     */
    public Duration fullRereadInterval() {
        return fullRereadInterval;
    }

    public String transactionalId() {
        return transactionalId;
    }

    public int maxRecordsPerTransaction() {
        return maxRecordsPerTransaction;
    }

    public Duration maxTimePerTransaction() {
        return maxTimePerTransaction;
    }

    public int perPage() {
        return perPage;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public Duration secondaryLimitWait() {
        return secondaryLimitWait;
    }

    public Map<String, Object> kafkaProperties() {
        return kafkaProperties;
    }

    public Clock clock() {
        return clock;
    }

    /** A test's stand-in for waiting; empty: real waits, which the GitHub client's {@code close()} ends at once. */
    public Optional<Sleeper> sleeper() {
        return Optional.ofNullable(sleeper);
    }

    @Override
    public String toString() {
        return "ProducerAppConfig{api=" + githubApiUrl + ", token=" + token
                + (githubApp == null ? "" : ", app=" + githubApp) + ", repositories=" + selection
                + ", pollInterval=" + pollInterval + ", overlap=" + overlap + ", fullRereadInterval=" + fullRereadInterval + ", transactionalId=" + transactionalId + "}";
    }

    public static final class Builder {
        private String bootstrapServers;
        private String githubApiUrl = Defaults.GITHUB_API_URL;
        private GitHubToken token = GitHubToken.none();
        private GitHubApp githubApp;
        private List<RepositoryName> repositories = List.of();
        private RepositorySelection selection;
        private Duration discoveryInterval = Defaults.duration(Defaults.DISCOVERY_INTERVAL);
        private int backfillSlicePages = 20;
        private int rateLimitReserve = Integer.parseInt(Defaults.RATE_LIMIT_RESERVE);

        public Builder rateLimitReserve(int v) {
            rateLimitReserve = v;
            return this;
        }

        private int maxConcurrentRepos = Integer.parseInt(Defaults.MAX_CONCURRENT_REPOS);

        public Builder maxConcurrentRepos(int v) {
            maxConcurrentRepos = v;
            return this;
        }

        public Builder backfillSlicePages(int v) {
            backfillSlicePages = v;
            return this;
        }
        private Duration pollInterval = Defaults.duration(Defaults.POLL_INTERVAL);
        private Duration overlap = Defaults.duration(Defaults.OVERLAP);
        private Duration fullRereadInterval = Defaults.duration(Defaults.FULL_REREAD_INTERVAL);
        private String transactionalId = Defaults.TRANSACTIONAL_ID;
        private int maxRecordsPerTransaction = 10_000;
        private Duration maxTimePerTransaction = Duration.ofSeconds(1);
        private int perPage = 100;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);
        private int maxAttempts = 6;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private Duration secondaryLimitWait = Duration.ofSeconds(60);
        private final Map<String, Object> kafkaProperties = new HashMap<>();
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper;

        public Builder bootstrapServers(String v) {
            bootstrapServers = v;
            return this;
        }

        public Builder githubApiUrl(String v) {
            githubApiUrl = Objects.requireNonNull(v);
            return this;
        }

        public Builder token(GitHubToken v) {
            token = v;
            return this;
        }

        /** Authenticate as this GitHub App (null: with the token(s), if any); excludes a token. */
        public Builder githubApp(GitHubApp v) {
            githubApp = v;
            return this;
        }

        public Builder repositories(List<RepositoryName> v) {
            repositories = v;
            return this;
        }

        /** The whole selection; it replaces {@link #repositories}. */
        public Builder selection(RepositorySelection v) {
            selection = v;
            return this;
        }

        public Builder discoveryInterval(Duration v) {
            discoveryInterval = v;
            return this;
        }

        public Builder pollInterval(Duration v) {
            pollInterval = v;
            return this;
        }

        public Builder overlap(Duration v) {
            overlap = v;
            return this;
        }

        public Builder fullRereadInterval(Duration v) {
            fullRereadInterval = v;
            return this;
        }

        public Builder transactionalId(String v) {
            transactionalId = v;
            return this;
        }

        public Builder maxRecordsPerTransaction(int v) {
            maxRecordsPerTransaction = v;
            return this;
        }

        public Builder maxTimePerTransaction(Duration v) {
            maxTimePerTransaction = v;
            return this;
        }

        public Builder perPage(int v) {
            perPage = v;
            return this;
        }

        public Builder timeouts(Duration connect, Duration read) {
            connectTimeout = connect;
            readTimeout = read;
            return this;
        }

        /** Attempts of one request (5xx, I/O, secondary limits) and the bounds of the exponential backoff. */
        public Builder retries(int attempts, Duration initial, Duration max) {
            maxAttempts = attempts;
            initialBackoff = initial;
            maxBackoff = max;
            return this;
        }

        public Builder secondaryLimitWait(Duration v) {
            secondaryLimitWait = v;
            return this;
        }

        /** An extra Kafka producer property; it overrides the producer's own choice (e.g. linger.ms, batch.size). */
        public Builder kafkaProperty(String key, Object value) {
            kafkaProperties.put(key, value);
            return this;
        }

        /** Extra Kafka producer properties, added to those given before. */
        public Builder kafkaProperties(Map<String, ?> properties) {
            kafkaProperties.putAll(properties);
            return this;
        }

        public Builder clock(Clock v) {
            clock = v;
            return this;
        }

        public Builder sleeper(Sleeper v) {
            sleeper = v;
            return this;
        }

        public ProducerAppConfig build() {
            return new ProducerAppConfig(this);
        }
    }
}
