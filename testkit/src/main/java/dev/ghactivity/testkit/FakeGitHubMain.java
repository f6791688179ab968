package dev.ghactivity.testkit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Serves synthetic histories on 127.0.0.1 for demos and benchmarks without network:
 * {@code FakeGitHubMain PORT COMMITS ISSUES OWNER/NAME[=COMMITS,ISSUES]...}: each repository has {@code COMMITS}
 * commits and {@code ISSUES} issues unless it names its own (the i-th argument's history has seed i, so a run is
 * repeatable); {@code PORT} 0 takes a free one. With {@code -Dfakegithub.latency.ms=N} every answer comes N ms after its
 * request, as GitHub's round trip. A repository not given answers 404, as on GitHub; {@code GET /orgs/{owner}/repos}
 * lists the ones given. Prints {@code fake GitHub at <url> serving <repos>} once it listens, then runs until killed.
 */
public final class FakeGitHubMain {
    private FakeGitHubMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 4) {
            System.err.println("usage: FakeGitHubMain PORT COMMITS ISSUES OWNER/NAME[=COMMITS,ISSUES]...");
            System.exit(64);
        }
        FakeGitHub fake = start(args);
        Runtime.getRuntime().addShutdownHook(new Thread(fake::close));
        new CountDownLatch(1).await();
    }

    /** Starts the fake the arguments describe, prints where it listens, and returns it. */
    static FakeGitHub start(String[] args) {
        FakeGitHub fake = FakeGitHub.start(Integer.parseInt(args[0])).unknownRepositoriesAnswer404();
        fake.latency(Duration.ofMillis(Long.getLong("fakegithub.latency.ms", 0)));
        StringBuilder served = new StringBuilder();
        for (int i = 3; i < args.length; i++) {
            String[] repoAndSizes = args[i].split("=", 2);
            int commits = Integer.parseInt(args[1]);
            int issues = Integer.parseInt(args[2]);
            if (repoAndSizes.length == 2) {
                String[] sizes = repoAndSizes[1].split(",", 2);
                commits = Integer.parseInt(sizes[0]);
                issues = Integer.parseInt(sizes[1]);
            }
            fake.serveSyntheticActivity(repoAndSizes[0], commits, issues, i);
            served.append(served.length() == 0 ? "" : ", ").append(repoAndSizes[0]);
        }
        System.out.println("fake GitHub at " + fake.apiUrl() + " serving " + served);
        return fake;
    }
}
