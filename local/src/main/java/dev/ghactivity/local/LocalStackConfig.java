package dev.ghactivity.local;

import dev.ghactivity.producer.RepositorySelection;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.producer.webhook.WebhookSettings;
import dev.ghactivity.schemas.RepositoryName;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/** Everything the one-JVM stack needs to know; built by {@link LocalStackCli} or by tests. */
public final class LocalStackConfig {
    /**
     * The one home of the stack's own defaults, as its command line writes them (picocli needs constant strings);
     * the GitHub side's are {@link ProducerAppConfig.Defaults}.
     */
    public static final class Defaults {
        public static final String DATA_DIR = "./data";
        public static final String HTTP_PORT = "8080";
        public static final String S3_BUCKET = "ghactivity";
        public static final String S3_REGION = "us-east-1";
        public static final String PARTITIONS = "3";
        public static final String ZONE = "UTC";
        public static final String ONCE_TIMEOUT = "15m";

        private Defaults() {
        }
    }

    private final List<RepositoryName> repositories;
    private final RepositorySelection selection;
    private final Duration discoveryInterval;
    private final int rateLimitReserve;
    private final int maxConcurrentRepos;
    private final String githubApiUrl;
    private final Path dataDir;
    private final Duration pollInterval;
    private final Duration overlap;
    private final Duration fullRereadInterval;
    private final int httpPort;
    private final URI s3Endpoint;
    private final String s3Bucket;
    private final String s3Region;
    private final String s3AccessKey;
    private final String s3SecretKey;
    private final int partitions;
    private final ZoneId zone;
    private final Duration onceTimeout;
    private final Duration s3FlushInterval;
    private final Duration hangingTransactionGrace;
    private final String kafkaBootstrapServers;
    private final short replicationFactor;
    private final WebhookSettings webhook;

    private LocalStackConfig(Builder b) {
        this.selection = b.selection != null ? b.selection : RepositorySelection.of(b.repositories);
        this.repositories = selection.named();
        this.discoveryInterval = b.discoveryInterval;
        this.rateLimitReserve = b.rateLimitReserve;
        this.maxConcurrentRepos = b.maxConcurrentRepos;
        this.githubApiUrl = Objects.requireNonNull(b.githubApiUrl);
        this.dataDir = b.dataDir.toAbsolutePath().normalize();
        this.pollInterval = b.pollInterval;
        this.overlap = b.overlap;
        this.fullRereadInterval = b.fullRereadInterval;
        this.httpPort = b.httpPort;
        this.s3Endpoint = b.s3Endpoint;
        this.s3Bucket = b.s3Bucket;
        this.s3Region = b.s3Region;
        this.s3AccessKey = b.s3AccessKey;
        this.s3SecretKey = b.s3SecretKey;
        this.partitions = b.partitions;
        this.zone = b.zone;
        this.onceTimeout = b.onceTimeout;
        this.s3FlushInterval = b.s3FlushInterval;
        this.hangingTransactionGrace = b.hangingTransactionGrace;
        this.kafkaBootstrapServers = b.kafkaBootstrapServers;
        this.replicationFactor = b.replicationFactor;
        this.webhook = b.webhook;
        if (selection.isEmpty()) {
            throw new IllegalArgumentException("give at least one --repo OWNER/NAME, --org, --user or --repos-file");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("--http-port must be 0-65535 (0: any free port), got " + httpPort);
        }
        if (onceTimeout == null || onceTimeout.isNegative() || onceTimeout.isZero()) {
            throw new IllegalArgumentException("--once-timeout must be positive, not " + onceTimeout);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be >= 1, got " + replicationFactor);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<RepositoryName> repositories() {
        return repositories;
    }

    /** Every repository to ingest: named ones, globs, organizations and users (see {@link RepositorySelection}). */
    public RepositorySelection selection() {
        return selection;
    }

    public Duration discoveryInterval() {
        return discoveryInterval;
    }

    public int rateLimitReserve() {
        return rateLimitReserve;
    }

    /** Repositories the producer fetches at once ({@code --max-concurrent-repos}). */
    public int maxConcurrentRepos() {
        return maxConcurrentRepos;
    }

    public String githubApiUrl() {
        return githubApiUrl;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path kafkaDir() {
        return dataDir.resolve("kafka");
    }

    public Path streamsStateDir() {
        return dataDir.resolve("streams");
    }

    public Path connectDir() {
        return dataDir.resolve("connect");
    }

    public Path s3Dir() {
        return dataDir.resolve("s3");
    }

    public Path sqlitePath() {
        return dataDir.resolve("ghactivity.db");
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    /** Window re-read before the cursor on each poll. */
    public Duration overlap() {
        return overlap;
    }

    /** How often the producer lists a repository's commits in full again; zero = never. */
    public Duration fullRereadInterval() {
        return fullRereadInterval;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The external S3 endpoint, or null to run the embedded S3 server. */
    public URI s3Endpoint() {
        return s3Endpoint;
    }

    public String s3Bucket() {
        return s3Bucket;
    }

    public String s3Region() {
        return s3Region;
    }

    public String s3AccessKey() {
        return s3AccessKey;
    }

    public String s3SecretKey() {
        return s3SecretKey;
    }

    public int partitions() {
        return partitions;
    }

    public ZoneId zone() {
        return zone;
    }

    public Duration onceTimeout() {
        return onceTimeout;
    }

    public Duration s3FlushInterval() {
        return s3FlushInterval;
    }

    /**
     * How long an open transaction may hold an input or repartition partition's last stable offset, without its start
     * moving, before a wait for the streams-app gives up naming it (default 60 s, the default
     * {@code transaction.timeout.ms}: this stack's own transactions commit within seconds).
     */
    public Duration hangingTransactionGrace() {
        return hangingTransactionGrace;
    }

    /** {@code host:port,...} of an existing Kafka cluster to use, or null to run the embedded broker. */
    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    /** Replication factor of the topics the stack creates (1 for the embedded broker; 3 on a production cluster). */
    public short replicationFactor() {
        return replicationFactor;
    }

    /** The webhook receiver's settings, or null for none. */
    public WebhookSettings webhook() {
        return webhook;
    }

    @Override
    public String toString() {
        return "LocalStackConfig{repositories=" + repositories + ", githubApiUrl=" + githubApiUrl + ", dataDir=" + dataDir
                + ", kafka=" + (kafkaBootstrapServers == null ? "embedded" : kafkaBootstrapServers)
                + ", s3=" + (s3Endpoint == null ? "embedded" : s3Endpoint) + "/" + s3Bucket + ", partitions=" + partitions + "}";
    }

    public static final class Builder {
        private List<RepositoryName> repositories = List.of();
        private RepositorySelection selection;
        private Duration discoveryInterval = ProducerAppConfig.Defaults.duration(ProducerAppConfig.Defaults.DISCOVERY_INTERVAL);
        private int rateLimitReserve = Integer.parseInt(ProducerAppConfig.Defaults.RATE_LIMIT_RESERVE);

        private int maxConcurrentRepos = Integer.parseInt(ProducerAppConfig.Defaults.MAX_CONCURRENT_REPOS);

        public Builder maxConcurrentRepos(int maxConcurrentRepos) {
            this.maxConcurrentRepos = maxConcurrentRepos;
            return this;
        }

        public Builder rateLimitReserve(int rateLimitReserve) {
            this.rateLimitReserve = rateLimitReserve;
            return this;
        }

        public Builder selection(RepositorySelection selection) {
            this.selection = selection;
            return this;
        }

        public Builder discoveryInterval(Duration discoveryInterval) {
            this.discoveryInterval = discoveryInterval;
            return this;
        }
        private String githubApiUrl = ProducerAppConfig.Defaults.GITHUB_API_URL;
        private Path dataDir = Path.of(Defaults.DATA_DIR);
        private Duration pollInterval = ProducerAppConfig.Defaults.duration(ProducerAppConfig.Defaults.POLL_INTERVAL);
        private Duration overlap = ProducerAppConfig.Defaults.duration(ProducerAppConfig.Defaults.OVERLAP);
        private Duration fullRereadInterval = ProducerAppConfig.Defaults.duration(ProducerAppConfig.Defaults.FULL_REREAD_INTERVAL);
        private int httpPort = Integer.parseInt(Defaults.HTTP_PORT);
        private URI s3Endpoint;
        private String s3Bucket = Defaults.S3_BUCKET;
        private String s3Region = Defaults.S3_REGION;
        private String s3AccessKey;
        private String s3SecretKey;
        private int partitions = Integer.parseInt(Defaults.PARTITIONS);
        private ZoneId zone = ZoneId.of(Defaults.ZONE);
        private Duration onceTimeout = ProducerAppConfig.Defaults.duration(Defaults.ONCE_TIMEOUT);
        private Duration s3FlushInterval = Duration.ofSeconds(5);
        private Duration hangingTransactionGrace = Duration.ofSeconds(60);
        private String kafkaBootstrapServers;
        private short replicationFactor = 1;
        private WebhookSettings webhook;

        public Builder repositories(List<RepositoryName> repositories) {
            this.repositories = repositories;
            return this;
        }

        public Builder githubApiUrl(String githubApiUrl) {
            this.githubApiUrl = githubApiUrl;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        public Builder overlap(Duration overlap) {
            this.overlap = overlap;
            return this;
        }

        public Builder fullRereadInterval(Duration fullRereadInterval) {
            this.fullRereadInterval = fullRereadInterval;
            return this;
        }

        public Builder httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        public Builder s3Endpoint(URI s3Endpoint) {
            this.s3Endpoint = s3Endpoint;
            return this;
        }

        public Builder s3Bucket(String s3Bucket) {
            this.s3Bucket = s3Bucket;
            return this;
        }

        public Builder s3Region(String s3Region) {
            this.s3Region = s3Region;
            return this;
        }

        public Builder s3Credentials(String accessKey, String secretKey) {
            this.s3AccessKey = accessKey;
            this.s3SecretKey = secretKey;
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder zone(ZoneId zone) {
            this.zone = zone;
            return this;
        }

        public Builder onceTimeout(Duration onceTimeout) {
            this.onceTimeout = onceTimeout;
            return this;
        }

        public Builder hangingTransactionGrace(Duration hangingTransactionGrace) {
            this.hangingTransactionGrace = hangingTransactionGrace;
            return this;
        }

        public Builder s3FlushInterval(Duration s3FlushInterval) {
            this.s3FlushInterval = s3FlushInterval;
            return this;
        }

        /** Use this Kafka cluster instead of starting the embedded broker. */
        public Builder kafkaBootstrapServers(String kafkaBootstrapServers) {
            this.kafkaBootstrapServers = kafkaBootstrapServers;
            return this;
        }

        public Builder replicationFactor(short replicationFactor) {
            this.replicationFactor = replicationFactor;
            return this;
        }

        /** Receive GitHub webhook deliveries with these settings; null (the default): no receiver. */
        public Builder webhook(WebhookSettings webhook) {
            this.webhook = webhook;
            return this;
        }

        public LocalStackConfig build() {
            return new LocalStackConfig(this);
        }
    }
}
