package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.GhactivityVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar's command line as a user types it: {@code --version} prints the version, and a mistake in
 * the command exits 64 (EX_USAGE) with one line saying what is wrong, never 2 ("some repositories failed").
 */
class LocalJarCommandLineIT {
    @TempDir
    Path dir;

    @Test
    void versionPrintsTheVersionOfTheBuild() throws Exception {
        for (String option : new String[] {"--version", "-V"}) {
            try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(), option)) {
                assertThat(run.awaitExit(Duration.ofSeconds(60))).isEqualTo(LocalStackCli.EXIT_OK);
                assertThat(run.stdout().strip()).isEqualTo("ghactivity-local " + GhactivityVersion.get());
                assertThat(run.stderr()).isEmpty();
            }
        }
    }

    @Test
    void anUnknownOptionOrAnInvalidRepositoryIsAUsageErrorAndStartsNothing() throws Exception {
        Path data = dir.resolve("data");
        try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(),
                "--repo", "a/b", "--onse", "--data-dir", data.toString())) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).isEqualTo(64);
            assertThat(run.stderr().lines().toList()).as("one line, not the whole usage text").containsExactly(
                    "ghactivity: Unknown option: '--onse' (did you mean --once, --once-timeout?); --help lists the options");
        }
        try (LocalStackProcess run = LocalStackProcess.start(dir.resolve("logs"), Map.of(),
                "--repo", "../etc/passwd", "--once", "--data-dir", data.toString())) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).isEqualTo(LocalStackCli.EXIT_USAGE);
            assertThat(run.stderr()).contains("invalid repository");
        }
        assertThat(data).doesNotExist();
    }
}
