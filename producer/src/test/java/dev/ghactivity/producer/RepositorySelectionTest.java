package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghactivity.schemas.RepositoryName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositorySelectionTest {
    @TempDir
    Path dir;

    @Test
    void globsMatchOneOwnersRepositoriesIgnoringCase() {
        assertThat(RepositorySelection.matches("apache/kafka*", RepositoryName.parse("Apache/Kafka-Site"))).isTrue();
        assertThat(RepositorySelection.matches("apache/kafka*", RepositoryName.parse("apache/flink"))).isFalse();
        assertThat(RepositorySelection.matches("apache/kafka*", RepositoryName.parse("apachex/kafka"))).isFalse();
        RepositorySelection selection = new RepositorySelection(List.of("apache/kafka*", "org/Named"), List.of(), List.of(),
                List.of("*/*-site"), false, false);
        assertThat(selection.named()).containsExactly(RepositoryName.parse("org/named"));
        assertThat(selection.globs()).containsExactly("apache/kafka*");
        assertThat(selection.discovers()).isTrue();
        assertThat(selection.excluded(RepositoryName.parse("apache/kafka-site"))).isTrue();
        assertThat(selection.excluded(RepositoryName.parse("apache/kafka"))).isFalse();
    }

    @Test
    void aReposFileHoldsNamesAndGlobsWithComments() throws Exception {
        Path file = dir.resolve("repos.txt");
        Files.writeString(file, "# ours\norg/a\n\n  apache/kafka*   # the Kafka family\norg/b#trailing\n");
        assertThat(RepositorySelection.readFile(file)).containsExactly("org/a", "apache/kafka*", "org/b");
        assertThatThrownBy(() -> RepositorySelection.readFile(dir.resolve("missing.txt")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such file").hasMessageContaining("--repos-file");
    }

    @Test
    void badPatternsAreRefusedWithOneLine() {
        assertThatThrownBy(() -> new RepositorySelection(List.of("*/kafka"), List.of(), List.of(), List.of(), false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the owner must be named");
        assertThatThrownBy(() -> new RepositorySelection(List.of(), List.of("bad org"), List.of(), List.of(), false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--org/--user");
        assertThatThrownBy(() -> new RepositorySelection(List.of("no-slash"), List.of(), List.of(), List.of(), false, false))
                .isInstanceOf(IllegalArgumentException.class);
        // A glob character is no way to smuggle a query or a path into a URL.
        for (String trick : List.of("a/b?per_page=1", "a/b*/../c", "a/b?%2F")) {
            assertThatThrownBy(() -> new RepositorySelection(List.of(trick), List.of(), List.of(), List.of(), false, false))
                    .as(trick).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid repository glob");
        }
        assertThat(new RepositorySelection(List.of("apache/kafka-*", "apache/*", "a/b?c"), List.of(), List.of(), List.of(), false, false)
                .patterns()).hasSize(3);
    }
}
