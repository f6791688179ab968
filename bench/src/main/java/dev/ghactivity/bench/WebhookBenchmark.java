package dev.ghactivity.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ghactivity.local.LocalStack;
import dev.ghactivity.local.LocalStackConfig;
import dev.ghactivity.producer.GitHubToken;
import dev.ghactivity.producer.webhook.WebhookSecret;
import dev.ghactivity.producer.webhook.WebhookSettings;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubWebhookSender;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Figure 7: GitHub webhook deliveries through the whole local stack at default settings. Latency: one signed
 * {@code push} delivery at a time (one commit; even deliveries open a month, odd ones add to it), the clock
 * running from the POST until the month's row in SQLite shows it. Throughput: signed {@code issues} deliveries
 * from 4 client threads, each answered once committed to Kafka, against a bare endpoint on the same server library
 * (Jetty, a handler that only reads the body) receiving the same requests in the same run.
 */
final class WebhookBenchmark {
    private static final String REPO = "bench/webhooks";
    private static final String SECRET = "bench-webhook-secret";
    private static final int WARMUPS = 6;
    private static final int CLIENTS = 4;

    private final BenchmarkSuite.Sizes sizes;
    private final Path work;

    WebhookBenchmark(BenchmarkSuite.Sizes sizes, Path work) {
        this.sizes = sizes;
        this.work = work;
    }

    void run(Results results) throws Exception {
        try (FakeGitHub github = FakeGitHub.start()) {
            LocalStackConfig config = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse(REPO)))
                    .githubApiUrl(github.apiUrl()).dataDir(work.resolve("webhooks")).httpPort(0)
                    .s3FlushInterval(Duration.ofSeconds(10)) // as the CLI runs continuously
                    .webhook(WebhookSettings.of("127.0.0.1", 0, WebhookSecret.of(SECRET))).build();
            try (LocalStack stack = new LocalStack(config, GitHubToken.none()).start()) {
                GitHubWebhookSender sender = GitHubWebhookSender.local(stack.webhookPort(), SECRET);
                List<Long> millis = latencies(stack, sender);
                Collections.sort(millis);
                long p99 = LatencyBenchmark.percentile(millis, 99);
                results.add(new Results.Row("7 webhook delivery -> SQLite row", "p50 " + LatencyBenchmark.percentile(millis, 50)
                        + " ms, p99 " + p99 + " ms", millis.size() + " push deliveries, default settings", "-", "p99 < 1 s",
                        p99 < 1000 ? "pass" : "MISS"));
                results.note(String.format(Locale.ROOT, "7 webhook latency: %d warm-up + %d signed push deliveries of one commit, one at a time, "
                        + "from the POST until SQLite shows the commit (polled every 2 ms); min %d ms, p90 %d ms, max %d ms.",
                        WARMUPS, millis.size(), millis.get(0), LatencyBenchmark.percentile(millis, 90), millis.get(millis.size() - 1)));
                throughput(results, sender);
            }
        }
    }

    private List<Long> latencies(LocalStack stack, GitHubWebhookSender sender) throws Exception {
        List<Long> millis = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + stack.sqlitePath())) {
            YearMonth first = YearMonth.of(1991, 1);
            for (int i = 0; i < WARMUPS + sizes.webhookDeliveries(); i++) {
                YearMonth month = first.plusMonths(i / 2);
                long expected = i % 2 + 1;
                String sha = String.format(Locale.ROOT, "%040x", 2_000_000 + i);
                String timestamp = month.atDay(1 + i % 2) + "T12:00:00Z";
                byte[] push = GitHubWebhookSender.fixture("push_with-new-branch.json", root -> {
                    ((ObjectNode) root.get("repository")).put("full_name", REPO);
                    root.put("after", sha);
                    ((ObjectNode) root.withArray("commits").get(0)).put("id", sha).put("timestamp", timestamp);
                });
                long t0 = System.nanoTime();
                int status = sender.deliver("push", "latency-" + i, push).status();
                if (status != 200) {
                    throw new IllegalStateException("push delivery " + i + " answered " + status);
                }
                LatencyBenchmark.awaitCommits(db, REPO, month.toString(), expected, t0);
                if (i >= WARMUPS) {
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                }
            }
        }
        return millis;
    }

    private void throughput(Results results, GitHubWebhookSender receiver) throws Exception {
        int deliveries = sizes.webhookDeliveries() * 5;
        List<byte[]> bodies = new ArrayList<>(deliveries);
        for (int i = 0; i < deliveries; i++) {
            int number = 100 + i;
            bodies.add(GitHubWebhookSender.fixture("issues_opened.json", root -> {
                ((ObjectNode) root.get("repository")).put("full_name", REPO);
                ((ObjectNode) root.get("issue")).put("number", number);
            }));
        }
        Server bare = bareEndpoint();
        try {
            GitHubWebhookSender bareSender = GitHubWebhookSender.local(((ServerConnector) bare.getConnectors()[0]).getLocalPort(), SECRET);
            AtomicInteger round = new AtomicInteger();
            Trials.Outcome outcome = Trials.alternate(sizes.warmups(), sizes.trials(),
                    trial -> send(receiver, bodies, "r" + round.incrementAndGet()),
                    trial -> send(bareSender, bodies, "b" + round.incrementAndGet()));
            results.add(new Results.Row("7 webhook receiver throughput", Results.perSecond(outcome.measuredMedian(), "deliveries"),
                    "bare Jetty endpoint (reads the body): " + Results.perSecond(outcome.baselineMedian(), "req"),
                    Results.ratio(outcome.ratio()), "report", "-"));
            results.note(String.format(Locale.ROOT, "7 webhook throughput: %d signed issues deliveries (%d bytes each) from %d client threads "
                    + "per trial; the receiver checks the signature, maps, and answers each once the transaction holding it committed "
                    + "(deliveries arriving during a commit share the next one); "
                    + "trials (deliveries/s) %s vs bare %s.", deliveries, bodies.get(0).length, CLIENTS,
                    Results.runs(outcome.measured()), Results.runs(outcome.baseline())));
        } finally {
            bare.stop();
        }
    }

    /** POSTs every body once from {@value #CLIENTS} threads; deliveries per second. */
    private static double send(GitHubWebhookSender sender, List<byte[]> bodies, String round) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        int status = sender.deliver("issues", round + "-" + i, bodies.get(i)).status();
                        if (status != 200) {
                            throw new IllegalStateException("delivery answered " + status);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
        return bodies.size() / Trials.seconds(t0);
    }

    /** The same server library and thread pool size as the receiver, a handler that only reads the body and answers 200. */
    private static Server bareEndpoint() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("bare-http");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                try (InputStream in = Content.Source.asInputStream(request)) {
                    in.readAllBytes();
                }
                response.setStatus(200);
                Content.Sink.write(response, true, "ok\n", callback);
                return true;
            }
        });
        server.start();
        return server;
    }
}
