package dev.ghactivity.producer;

import dev.ghactivity.producer.ProducerAppConfig.Defaults;
import dev.ghactivity.schemas.RepositoryName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import okhttp3.HttpUrl;
import picocli.CommandLine.Option;

/**
 * The GitHub side of a command line, one definition for every CLI that polls GitHub (the producer's own and
 * the one-JVM local stack), used as a picocli {@code @Mixin}: same names, defaults and help everywhere.
 */
public final class GitHubSourceOptions {
    @Option(names = "--repo", required = true, paramLabel = "OWNER/NAME", description = "repository to ingest (repeatable)")
    List<String> repos;

    @Option(names = "--github-api-url", defaultValue = Defaults.GITHUB_API_URL, description = "GitHub REST API base URL (default: ${DEFAULT-VALUE})")
    String githubApiUrl;

    @Option(names = "--github-token-file", paramLabel = "FILE", description = "read the token from this file instead of GITHUB_TOKEN")
    Path tokenFile;

    @Option(names = "--poll-interval", defaultValue = Defaults.POLL_INTERVAL, converter = DurationConverter.class, paramLabel = "DURATION",
            description = "time between polls: 60s, 5m, PT1M (default: ${DEFAULT-VALUE})")
    Duration pollInterval;

    @Option(names = "--overlap", defaultValue = Defaults.OVERLAP, converter = DurationConverter.class, paramLabel = "DURATION",
            description = "window re-read before the cursor on each poll, for items that appear late (default: ${DEFAULT-VALUE})")
    Duration overlap;

    @Option(names = "--full-reread-interval", defaultValue = Defaults.FULL_REREAD_INTERVAL, converter = DurationConverter.class, paramLabel = "DURATION",
            description = "read each listing in full this often: old-dated commits pushed without a merge commit, issues "
                    + "skipped while pages shifted, deleted or transferred issues; 0 = never (default: ${DEFAULT-VALUE})")
    Duration fullRereadInterval;

    /** The repositories, validated ({@link RepositoryName#parse}) before any URL is built; duplicates dropped. */
    public List<RepositoryName> repositories() {
        return repos.stream().map(RepositoryName::parse).distinct().toList();
    }

    /** The API base URL, checked before anything starts ({@link IllegalArgumentException} with a one-line reason). */
    public String githubApiUrl() {
        ProducerAppConfig.apiUrl(githubApiUrl);
        return githubApiUrl;
    }

    /**
     * From {@code --github-token-file} if given, else {@code GITHUB_TOKEN} (absent: unauthenticated).
     *
     * @throws IllegalArgumentException when the file cannot be read, with a one-line reason
     */
    public GitHubToken token() {
        if (tokenFile == null) {
            return GitHubToken.fromEnvironment();
        }
        try {
            return GitHubToken.fromFile(tokenFile);
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Every GitHub option checked at once, before anything starts: the repositories' names, the API URL, the token
     * file, and the proxy of the environment.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public void validate() {
        repositories();
        githubApiUrl();
        token();
        new GitHubProxySelector(System.getenv()).environmentProxy(HttpUrl.get(githubApiUrl()).scheme());
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    public Duration overlap() {
        return overlap;
    }

    public Duration fullRereadInterval() {
        return fullRereadInterval;
    }
}
