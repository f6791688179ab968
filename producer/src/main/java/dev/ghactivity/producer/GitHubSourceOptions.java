package dev.ghactivity.producer;

import dev.ghactivity.producer.ProducerAppConfig.Defaults;
import dev.ghactivity.schemas.RepositoryName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import picocli.CommandLine.Option;

/**
 * The GitHub side of a command line, one definition for every CLI that polls GitHub (the producer's own and
 * the one-JVM local stack), used as a picocli {@code @Mixin}: same names, defaults and help everywhere.
 */
public final class GitHubSourceOptions {
    @Option(names = "--repo", paramLabel = "OWNER/NAME", description = "repository to ingest, or a glob on one owner's repositories "
            + "(apache/kafka*) (repeatable)")
    List<String> repos = new ArrayList<>();

    @Option(names = "--org", paramLabel = "NAME", description = "ingest every repository of this organization (repeatable)")
    List<String> orgs = new ArrayList<>();

    @Option(names = "--user", paramLabel = "NAME", description = "ingest every repository this user owns (repeatable)")
    List<String> users = new ArrayList<>();

    @Option(names = "--repos-file", paramLabel = "FILE", description = "repositories or globs, one a line, # comments")
    Path reposFile;

    @Option(names = "--exclude", paramLabel = "GLOB", description = "leave out repositories matching this glob, e.g. apache/*-site (repeatable)")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--include-forks", description = "also ingest forks an organization, user or glob lists")
    boolean includeForks;

    @Option(names = "--include-archived", description = "also ingest archived repositories an organization, user or glob lists")
    boolean includeArchived;

    @Option(names = "--discovery-interval", defaultValue = Defaults.DISCOVERY_INTERVAL, converter = DurationConverter.class, paramLabel = "DURATION",
            description = "list organizations, users and globs again this often, for new, deleted and renamed repositories "
                    + "(default: ${DEFAULT-VALUE})")
    Duration discoveryInterval;

    @Option(names = "--rate-limit-reserve", defaultValue = Defaults.RATE_LIMIT_RESERVE, paramLabel = "N",
            description = "requests of the hourly rate limit kept for incremental polls: long backfills wait for the reset "
                    + "rather than spend them (default: ${DEFAULT-VALUE})")
    int rateLimitReserve;

    @Option(names = "--max-concurrent-repos", defaultValue = Defaults.MAX_CONCURRENT_REPOS, paramLabel = "N",
            description = "repositories fetched from GitHub at once; more is faster but nearer GitHub's secondary rate limits, "
                    + "which it answers with 403/429 and Retry-After, honoured (default: ${DEFAULT-VALUE})")
    int maxConcurrentRepos;

    @Option(names = "--github-api-url", defaultValue = Defaults.GITHUB_API_URL, description = "GitHub REST API base URL (default: ${DEFAULT-VALUE})")
    String githubApiUrl;

    @Option(names = "--github-token-file", paramLabel = "FILE", description = "read the token(s) from this file, one a line, instead of GITHUB_TOKENS/GITHUB_TOKEN")
    Path tokenFile;

    @Option(names = "--github-app-id", paramLabel = "ID",
            description = "authenticate as this GitHub App (its App ID), with --github-app-private-key, instead of tokens")
    Long githubAppId;

    @Option(names = "--github-app-private-key", paramLabel = "FILE",
            description = "the GitHub App's private key, the PEM file GitHub generated (PKCS#1, or PKCS#8)")
    Path githubAppPrivateKey;

    @Option(names = "--github-app-installation-id", paramLabel = "ID",
            description = "use this installation of the GitHub App for every owner (default: the app's installation on each owner, looked up)")
    Long githubAppInstallationId;

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

    /** The named repositories (not globs), validated ({@link RepositoryName#parse}) before any URL is built; duplicates dropped. */
    public List<RepositoryName> repositories() {
        return selection().named();
    }

    /**
     * Every repository option at once: {@code --repo} names and globs, {@code --repos-file}, {@code --org}, {@code --user},
     * {@code --exclude}, forks and archived.
     *
     * @throws IllegalArgumentException with a one-line reason (a bad name or glob, an unreadable file, nothing selected)
     */
    public RepositorySelection selection() {
        List<String> patterns = new ArrayList<>(repos);
        if (reposFile != null) {
            patterns.addAll(RepositorySelection.readFile(reposFile));
        }
        RepositorySelection selection = new RepositorySelection(patterns, orgs, users, excludes, includeForks, includeArchived);
        if (selection.isEmpty()) {
            throw new IllegalArgumentException("give the repositories to ingest: --repo OWNER/NAME, --org NAME, --user NAME or --repos-file FILE");
        }
        return selection;
    }

    public Duration discoveryInterval() {
        return discoveryInterval;
    }

    public int rateLimitReserve() {
        return rateLimitReserve;
    }

    /** {@code --max-concurrent-repos}, checked ({@link IllegalArgumentException} below 1). */
    public int maxConcurrentRepos() {
        if (maxConcurrentRepos < 1) {
            throw new IllegalArgumentException("--max-concurrent-repos must be at least 1 (repositories fetched at once), not " + maxConcurrentRepos);
        }
        return maxConcurrentRepos;
    }

    /** The API base URL, checked before anything starts ({@link IllegalArgumentException} with a one-line reason). */
    public String githubApiUrl() {
        ProducerAppConfig.apiUrl(githubApiUrl);
        return githubApiUrl;
    }

    /**
     * From {@code --github-token-file} if given (one token a line), else {@code GITHUB_TOKENS} (comma-separated), else
     * {@code GITHUB_TOKEN} (absent: unauthenticated).
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
     * The GitHub App of {@code --github-app-id} and {@code --github-app-private-key} (with its key read), or null
     * without them. It excludes tokens: a token file or a non-blank {@code GITHUB_TOKEN}/{@code GITHUB_TOKENS} with it
     * is a usage error.
     *
     * @throws IllegalArgumentException with a one-line reason (one option without the other, tokens too, a bad key file)
     */
    public GitHubApp githubApp() {
        if (githubAppId == null && githubAppPrivateKey == null) {
            if (githubAppInstallationId != null) {
                throw new IllegalArgumentException("--github-app-installation-id needs --github-app-id and --github-app-private-key");
            }
            return null;
        }
        if (githubAppId == null || githubAppPrivateKey == null) {
            throw new IllegalArgumentException("a GitHub App needs both --github-app-id and --github-app-private-key");
        }
        if (tokenFile != null || token().isPresent()) {
            throw new IllegalArgumentException("give either a GitHub App (--github-app-id) or tokens (" + (tokenFile != null ? "--github-token-file"
                    : GitHubToken.SEVERAL_VARIABLE + "/" + GitHubToken.ENVIRONMENT_VARIABLE + " is set") + "), not both");
        }
        return GitHubApp.fromFile(githubAppId, githubAppPrivateKey,
                githubAppInstallationId == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(githubAppInstallationId));
    }

    /**
     * Every GitHub option checked at once, before anything starts: the repositories' names, the API URL, the token
     * file, the GitHub App and its key, the concurrency, and the proxy of the environment.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public void validate() {
        selection();
        maxConcurrentRepos();
        // The same checks as ProducerAppConfig's, here too: the local stack builds that config only after its broker started.
        ProducerAppConfig.positive(pollInterval, "poll interval");
        ProducerAppConfig.positive(discoveryInterval, "discovery interval");
        ProducerAppConfig.checkOverlap(overlap);
        ProducerAppConfig.checkFullRereadInterval(fullRereadInterval);
        ProducerAppConfig.checkRateLimitReserve(rateLimitReserve);
        githubApiUrl();
        token();
        githubApp();
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
