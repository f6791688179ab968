package dev.ghactivity.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake GitHub ({@code FakeGitHubMain}, synthetic histories generated page by page) in a JVM of its
 * own on 127.0.0.1, as GitHub is a server elsewhere: it shares the machine's cores with the pipeline, as
 * it must, but not the pipeline's heap and collector (it allocates more than the pipeline does).
 */
final class FakeGitHubProcess implements AutoCloseable {
    private static final Pattern STARTED = Pattern.compile("fake GitHub at (http://\\S+) serving");

    private final Process process;
    private final String apiUrl;

    private FakeGitHubProcess(Process process, String apiUrl) {
        this.process = process;
        this.apiUrl = apiUrl;
    }

    /**
     * Serves {@code commits} commits and {@code issues} issues for each repository; the i-th repository's
     * history has seed {@code i + 3} (what {@code FakeGitHubMain} gives it).
     */
    static FakeGitHubProcess start(int commits, int issues, List<String> repositories) throws IOException {
        return start(commits, issues, repositories, 0);
    }

    /**
     * The same, answering each request {@code latencyMillis} after it arrived (GitHub's round trip); a repository given
     * as {@code owner/name=COMMITS,ISSUES} has sizes of its own.
     */
    static FakeGitHubProcess start(int commits, int issues, List<String> repositories, long latencyMillis) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseG1GC", "-Dfakegithub.latency.ms=" + latencyMillis, "-cp", System.getProperty("java.class.path")));
        String logging = System.getProperty("logback.configurationFile");
        if (logging != null) {
            command.add("-Dlogback.configurationFile=" + logging);
        }
        command.addAll(List.of("dev.ghactivity.testkit.FakeGitHubMain", "0", String.valueOf(commits), String.valueOf(issues)));
        command.addAll(repositories);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = STARTED.matcher(line);
            if (m.find()) {
                drain(out);
                return new FakeGitHubProcess(process, m.group(1));
            }
        }
        process.destroyForcibly();
        throw new IOException("the fake GitHub process ended without saying where it listens (exit " + exitCode(process) + ")");
    }

    /** Keeps reading what the process prints, so a full pipe never blocks it. */
    private static void drain(BufferedReader out) {
        Thread t = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "fake-github-stdout");
        t.setDaemon(true);
        t.start();
    }

    static long seedOf(int repositoryIndex) {
        return repositoryIndex + 3L;
    }

    private static String exitCode(Process process) {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    String apiUrl() {
        return apiUrl;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
