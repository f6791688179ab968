package dev.ghactivity.local;

import dev.ghactivity.producer.RepositorySelection;
import dev.ghactivity.schemas.RepositoryName;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/** Everything the one-JVM stack needs to know; built by {@link LocalStackCli} or by tests. */
public final class LocalStackConfig {
    private final List<RepositoryName> repositories;
    private final RepositorySelection selection;
    private final Duration discoveryInterval;
    private final int rateLimitReserve;
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

    private LocalStackConfig(Builder b) {
        this.selection = b.selection != null ? b.selection : RepositorySelection.of(b.repositories);
        this.repositories = selection.named();
        this.discoveryInterval = b.discoveryInterval;
        this.rateLimitReserve = b.rateLimitReserve;
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
        if (selection.isEmpty()) {
            throw new IllegalArgumentException("give at least one --repo OWNER/NAME, --org, --user or --repos-file");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
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

    @Override
    public String toString() {
        return "LocalStackConfig{repositories=" + repositories + ", githubApiUrl=" + githubApiUrl + ", dataDir=" + dataDir
                + ", s3=" + (s3Endpoint == null ? "embedded" : s3Endpoint) + "/" + s3Bucket + ", partitions=" + partitions + "}";
    }

    public static final class Builder {
        private List<RepositoryName> repositories = List.of();
        private RepositorySelection selection;
        private Duration discoveryInterval = Duration.ofHours(1);
        private int rateLimitReserve = 100;

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
        private String githubApiUrl = "https://api.github.com";
        private Path dataDir = Path.of("data");
        private Duration pollInterval = Duration.ofSeconds(60);
        private Duration overlap = Duration.ofMinutes(10);
        private Duration fullRereadInterval = Duration.ofDays(1);
        private int httpPort = 8080;
        private URI s3Endpoint;
        private String s3Bucket = "ghactivity";
        private String s3Region = "us-east-1";
        private String s3AccessKey;
        private String s3SecretKey;
        private int partitions = 3;
        private ZoneId zone = ZoneId.of("UTC");
        private Duration onceTimeout = Duration.ofMinutes(15);
        private Duration s3FlushInterval = Duration.ofSeconds(5);

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

        public Builder s3FlushInterval(Duration s3FlushInterval) {
            this.s3FlushInterval = s3FlushInterval;
            return this;
        }

        public LocalStackConfig build() {
            return new LocalStackConfig(this);
        }
    }
}
