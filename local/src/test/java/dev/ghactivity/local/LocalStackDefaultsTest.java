package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.RepositoryName;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line and the builder take their defaults from one place, so they cannot drift apart. */
class LocalStackDefaultsTest {
    @Test
    void theCommandLineAndTheBuilderHaveTheSameDefaults() {
        LocalStackCli cli = new LocalStackCli();
        new CommandLine(cli).parseArgs("--repo", "a/b");
        LocalStackConfig fromCli = cli.config();
        LocalStackConfig built = LocalStackConfig.builder().repositories(List.of(RepositoryName.parse("a/b"))).build();
        assertThat(fromCli).usingRecursiveComparison()
                .ignoringFields("s3FlushInterval", "s3AccessKey", "s3SecretKey") // chosen by --once; from the environment
                .isEqualTo(built);
    }
}
