package dev.ghactivity.testkit;

import java.util.concurrent.CountDownLatch;

/**
 * Serves synthetic histories on 127.0.0.1 for demos and benchmarks without network:
 * {@code FakeGitHubMain PORT COMMITS ISSUES OWNER/NAME...}.
 */
public final class FakeGitHubMain {
    private FakeGitHubMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 4) {
            System.err.println("usage: FakeGitHubMain PORT COMMITS ISSUES OWNER/NAME...");
            System.exit(64);
        }
        FakeGitHub fake = FakeGitHub.start(Integer.parseInt(args[0]));
        for (int i = 3; i < args.length; i++) {
            fake.serveSyntheticActivity(args[i], Integer.parseInt(args[1]), Integer.parseInt(args[2]), i);
        }
        System.out.println("fake GitHub at " + fake.apiUrl() + " serving " + String.join(", ", java.util.Arrays.copyOfRange(args, 3, args.length)));
        Runtime.getRuntime().addShutdownHook(new Thread(fake::close));
        new CountDownLatch(1).await();
    }
}
