package dev.ghactivity.testkit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Serves synthetic histories on 127.0.0.1 for demos and benchmarks without network:
 * {@code FakeGitHubMain PORT COMMITS ISSUES OWNER/NAME[=COMMITS,ISSUES]...}: each repository has {@code COMMITS}
 * commits and {@code ISSUES} issues unless it names its own. With {@code -Dfakegithub.latency.ms=N} every answer
 * comes N ms after its request, as GitHub's round trip.
 */
public final class FakeGitHubMain {
    private FakeGitHubMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 4) {
            System.err.println("usage: FakeGitHubMain PORT COMMITS ISSUES OWNER/NAME[=COMMITS,ISSUES]...");
            System.exit(64);
        }
        FakeGitHub fake = FakeGitHub.start(Integer.parseInt(args[0]));
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
        Runtime.getRuntime().addShutdownHook(new Thread(fake::close));
        new CountDownLatch(1).await();
    }
}
