package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.SyntheticActivity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.1: the local stack killed with SIGKILL again and again at seeded random moments (start-up, backfill,
 * state restoration, sink drain) on one {@code --data-dir}, then one clean {@code --once}: SQLite and S3 hold
 * exactly the fixture's counts, nothing doubled, and every start that lived long enough reached {@code RUNNING}
 * within {@link #RUNNING_BOUND}. The earlier failure this guards against: a restart that stayed REBALANCING for
 * good because the transaction coordinator sent a killed producer's markers to the broker's previous port.
 *
 * <p>{@code -Dghactivity.crashloop.seed=N} replays one run (the seed is printed at the start and in every
 * failure); {@code -Dghactivity.soak=true} kills 40 times instead of 8 (each moment twice).
 */
class CrashLoopIT {
    /**
     * Measured on 2 cores at load average 20-25 (other builds running), from process start to RUNNING, min/median/max
     * over the 6 starts that got there: seed 1458245859667 38/52/62 s, seed 3863632793017 27/46/70 s; most of it is
     * JVM, broker and Connect start-up. Bound: the worst seen with room for a slower machine. A restart that hangs
     * (the 12.1 fault) never gets there.
     */
    private static final Duration RUNNING_BOUND = Duration.ofSeconds(120);
    private static final Duration MOMENT_BOUND = Duration.ofSeconds(120);
    private static final List<String> REPOS = List.of("crash/alpha", "crash/beta", "crash/gamma");

    enum Moment { START_UP, BACKFILL, STATE_RESTORATION, SINK_DRAIN }

    @TempDir
    Path dir;

    private long seed;
    private final List<Long> runningMillis = new ArrayList<>();
    private final List<String> history = new ArrayList<>();

    @Test
    void killedAtRandomMomentsAgainAndAgainItRestartsEveryTimeAndEndsExact() throws Exception {
        seed = Long.getLong("ghactivity.crashloop.seed", System.nanoTime());
        int kills = Boolean.getBoolean("ghactivity.soak") ? 40 : 8; // each moment twice by default
        System.out.println("CrashLoopIT seed " + seed + " (-Dghactivity.crashloop.seed=" + seed + " replays it), " + kills + " kills");
        Random random = new Random(seed);
        List<Moment> moments = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            moments.add(Moment.values()[i % Moment.values().length]);
        }
        Collections.shuffle(moments, random);

        Path data = dir.resolve("data");
        Path logs = Path.of("target", "it-logs", "crashloop-" + seed);
        try (FakeGitHub github = FakeGitHub.start()) {
            Map<String, String> expected = new TreeMap<>();
            for (int i = 0; i < REPOS.size(); i++) {
                String repo = REPOS.get(i);
                SyntheticActivity activity = github.serveSyntheticActivity(repo, 900, 350, 31 + i);
                activity.expectedMonthlyCounts().forEach((month, c) -> expected.put(repo + "|" + month,
                        c[0] + "," + c[1] + "," + c[2] + "," + c[3] + "," + c[4] + "," + c[5]));
            }
            // Every page late: a backfill spans seconds, so a kill can land in the middle of it.
            github.delayNext(20_000, Duration.ofMillis(150));
            List<String> args = new ArrayList<>(List.of("--github-api-url", github.apiUrl(), "--data-dir", data.toString(),
                    "--once", "--once-timeout", "3m"));
            REPOS.forEach(r -> args.addAll(List.of("--repo", r)));

            int killed = 0;
            int starts = 0;
            for (Moment moment : moments) {
                starts++;
                try (LocalStackProcess run = LocalStackProcess.start(logs, Map.of(), args.toArray(String[]::new))) {
                    long t0 = System.nanoTime();
                    int requestsBefore = github.requests().size();
                    boolean reached = switch (moment) {
                        case START_UP -> sleepWhileAlive(run, 300 + random.nextInt(5000));
                        case STATE_RESTORATION -> awaitLine(run, "-> REBALANCING", t0, moment)
                                && sleepWhileAlive(run, random.nextInt(1500));
                        case BACKFILL -> awaitRunning(run, t0, moment)
                                && awaitCondition(run, () -> github.requests().size() > requestsBefore, moment, "a GitHub request")
                                && sleepWhileAlive(run, random.nextInt(1500));
                        case SINK_DRAIN -> awaitRunning(run, t0, moment)
                                && awaitLine(run, "streams-app: caught up", t0, moment)
                                && sleepWhileAlive(run, random.nextInt(1500));
                    };
                    if (reached && run.isAlive()) {
                        run.kill();
                        killed++;
                        history.add(moment + " killed after " + millisSince(t0) + " ms");
                        System.out.println("CrashLoopIT kill " + killed + ": " + history.get(history.size() - 1));
                    } else {
                        int code = run.awaitExit(Duration.ofSeconds(30));
                        assertThat(code).as(failure("start " + starts + " (" + moment + ") ended by itself", run)).isZero();
                        history.add(moment + " finished by itself (exit 0) after " + millisSince(t0) + " ms");
                    }
                    assertNoMarkersToAStaleAddress(run, data);
                }
            }
            // Finished runs are not kills: go on until there were as many kills as planned.
            while (killed < kills) {
                starts++;
                try (LocalStackProcess run = LocalStackProcess.start(logs, Map.of(), args.toArray(String[]::new))) {
                    long t0 = System.nanoTime();
                    if (awaitRunning(run, t0, Moment.BACKFILL) && sleepWhileAlive(run, random.nextInt(3000)) && run.isAlive()) {
                        run.kill();
                        killed++;
                        history.add("extra kill after " + millisSince(t0) + " ms");
                    } else {
                        assertThat(run.awaitExit(Duration.ofSeconds(30))).isZero();
                    }
                }
            }

            starts++;
            long t0 = System.nanoTime();
            try (LocalStackProcess last = LocalStackProcess.start(logs, Map.of(), args.toArray(String[]::new))) {
                awaitRunning(last, t0, null);
                int code = last.awaitExit(Duration.ofMinutes(4));
                assertThat(code).as(failure("the clean --once after the kills", last)).isZero();
                assertThat(last.stdout()).as(failure("the clean run reports where its query API listens", last))
                        .containsPattern("query API http://127\\.0\\.0\\.1:\\d+/");
                assertNoMarkersToAStaleAddress(last, data);
                // A restart after kills needs no action: the broker's and Streams' recovery notices are INFO or dropped
                // (ExpectedNoticeFilter); an ERROR here is a real problem or a notice still to be classified.
                assertThat(last.stdout().lines().filter(l -> l.contains(" ERROR ")).toList())
                        .as(failure("the clean run after the kills logs no ERROR", last)).isEmpty();
                assertThat(last.stdout()).as("no stack trace at the default log level").doesNotContain("\tat ");
            }
            long cleanRun = millisSince(t0);

            Map<String, String> sqlite = PipelineOutputs.sqliteCounts(data.resolve("ghactivity.db"));
            Map<String, String> s3 = PipelineOutputs.s3Counts(data); // throws if a row appears in two objects
            assertThat(sqlite).as(failure("SQLite", null)).isEqualTo(expected);
            assertThat(s3).as(failure("S3", null)).isEqualTo(expected);

            List<Long> sorted = new ArrayList<>(runningMillis);
            Collections.sort(sorted);
            String summary = "CrashLoopIT seed " + seed + ": " + killed + " kills, " + starts + " starts (" + (starts - 1)
                    + " restarts), time to RUNNING over " + sorted.size() + " starts min/median/max "
                    + sorted.get(0) + "/" + sorted.get(sorted.size() / 2) + "/" + sorted.get(sorted.size() - 1)
                    + " ms (bound " + RUNNING_BOUND.toSeconds() + " s), clean --once " + cleanRun + " ms, "
                    + expected.size() + " monthly rows exact in SQLite and S3; history " + history;
            System.out.println(summary);
            Files.createDirectories(logs);
            Files.writeString(logs.resolve("summary.txt"), summary + System.lineSeparator());
            assertThat(sorted.get(sorted.size() - 1)).isLessThanOrEqualTo(RUNNING_BOUND.toMillis());
        }
    }

    /** Waits for the streams-app to reach RUNNING and records how long it took; false if the run ended first. */
    private boolean awaitRunning(LocalStackProcess run, long t0, Moment moment) throws InterruptedException {
        long deadline = t0 + RUNNING_BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            if (run.stdout().contains("-> RUNNING")) {
                runningMillis.add(millisSince(t0));
                return true;
            }
            if (!run.isAlive()) {
                return false;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(failure("start " + (moment == null ? "for the clean run" : "before a " + moment + " kill")
                + " not RUNNING within " + RUNNING_BOUND, run));
    }

    private boolean awaitLine(LocalStackProcess run, String line, long t0, Moment moment) throws InterruptedException {
        return awaitCondition(run, () -> run.stdout().contains(line), moment, "'" + line + "'");
    }

    private boolean awaitCondition(LocalStackProcess run, BooleanSupplier condition, Moment moment, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + MOMENT_BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (!run.isAlive()) {
                return false;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(failure("no " + what + " within " + MOMENT_BOUND + " before a " + moment + " kill", run));
    }

    private static boolean sleepWhileAlive(LocalStackProcess run, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline && run.isAlive()) {
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * The 12.1 symptom: the transaction coordinator sending markers to node 1 at a port it no longer listens on. (While
     * the broker starts, it tries the kept port a few times before the listener accepts: that resolves itself.)
     */
    private void assertNoMarkersToAStaleAddress(LocalStackProcess run, Path data) throws IOException {
        Path kept = data.resolve("kafka").resolve("listeners.properties");
        if (!Files.exists(kept)) {
            return; // killed before the broker's first start completed
        }
        Properties ports = new Properties();
        try (var in = Files.newInputStream(kept)) {
            ports.load(in);
        }
        String current = "node 1 (/127.0.0.1:" + ports.getProperty("broker.port") + ")";
        assertThat(run.stdout().lines().filter(l -> l.contains("TransactionCoordinator") && l.contains("could not be established")
                && !l.contains(current)))
                .as(failure("transaction markers sent to an address the broker does not listen on (" + current + " is the kept one)", run))
                .isEmpty();
    }

    private String failure(String what, LocalStackProcess run) {
        return what + " [seed " + seed + ": -Dghactivity.crashloop.seed=" + seed + "; so far " + history + "]"
                + (run == null ? "" : "; stdout tail:\n" + LocalStackProcess.tail(run.stdout()) + "\nstderr:\n" + run.stderr());
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
