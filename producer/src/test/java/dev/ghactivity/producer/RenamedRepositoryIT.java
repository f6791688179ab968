package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CliExitCodes;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.Topics;
import dev.ghactivity.testkit.FakeGitHub;
import dev.ghactivity.testkit.GitHubFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A repository renamed after it was ingested, then named under its old and new names, or only its new one, or found by
 * {@code --org}: every commit and issue stays on the topics under one repository key (the one its cursors have), through
 * {@code ghactivity-producer --once} on a real broker; the refused name gets one line saying where it is counted.
 */
class RenamedRepositoryIT {
    private static final long ID = 4242;
    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;
    private static int run;
    private FakeGitHub github;
    private Path token;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @org.junit.jupiter.api.AfterEach
    void closeGitHub() {
        github.close();
    }

    @BeforeEach
    void freshTopicsAndGitHub() throws Exception {
        FreshTopics.recreate(broker, 1);
        run++;
        github = FakeGitHub.start();
        token = Files.writeString(dir.resolve("token-" + run), "ghp_renamedRepositoryItToken0000000000\n");
        github.serveCommits("org/old", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.serveIssues("org/old", GitHubFixtures.EXAMPLE_ISSUES + ".json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(producer(err, "--repo", "org/old")).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(CliExitCodes.OK);
        assertThat(cursors().values()).extracting(IngestCursor::getRepositoryId).containsOnly(github.id("org/old"));
        // Renamed on GitHub: the same items (same id) under org/new; /repos/org/old/... redirects to /repositories/{id}/...
        long id = github.id("org/old");
        github.serveCommits("org/new", GitHubFixtures.TIDBIT_COMMITS + ".json");
        github.serveIssues("org/new", GitHubFixtures.EXAMPLE_ISSUES + ".json");
        github.renamed("org/old", "org/new", id);
    }

    @Test
    void bothNamesGivenAfterTheOldOneWasIngestedGoOnUnderTheOldOneAndRefuseTheNewOneWithOneLine() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = producer(err, "--repo", "org/old", "--repo", "org/new");

        assertThat(code).isEqualTo(CliExitCodes.PARTIAL);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                .contains("org/new", "moved", "this GitHub repository (id " + github.id("org/new") + ") is counted under org/old",
                        "its cursors on github.ingest-state", "rows under org/new, if any, stay as they are", "remove --repo org/new");
        assertCountedOnceUnder("org/old");
        // The old name's listings were read through GitHub's redirect, not refused.
        assertThat(github.requests()).anyMatch(r -> r.getUrl().encodedPath().equals("/repositories/" + github.id("org/new") + "/commits"));
    }

    @Test
    void onlyTheNewNameGivenAfterTheOldOneWasIngestedIsRefusedSayingWhichNameToGive() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = producer(err, "--repo", "org/new");

        assertThat(code).isEqualTo(CliExitCodes.PARTIAL);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                .contains("org/new", "counted under", "org/old", "give --repo org/old instead of --repo org/new");
        assertCountedOnceUnder("org/old");
        assertThat(github.requests()).noneMatch(r -> r.getUrl().encodedPath().startsWith("/repos/org/new/"));

        // Following the advice goes on under org/old: exit 0, still counted once.
        assertThat(producer(err, "--repo", "org/old")).isEqualTo(CliExitCodes.OK);
        assertCountedOnceUnder("org/old");
    }

    @Test
    void anOrganizationListingItUnderItsNewNameGoesOnUnderTheNameItsCursorsHave() throws Exception {
        github.serveCommits("org/other", GitHubFixtures.EXAMPLE_COMMITS + ".json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = producer(err, "--org", "org");

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(CliExitCodes.OK);
        assertCountedOnceUnder("org/old");
        assertThat(keys(Topics.COMMITS).keySet()).contains("org/other");
        // The repository id came with the listing: no lookup of org/new, none of its listings read.
        assertThat(github.requests()).noneMatch(r -> r.getUrl().encodedPath().startsWith("/repos/org/new"));
    }

    /** Every commit (sha) and issue (number) of the fixtures is on its topic exactly once, all under {@code repo}. */
    private void assertCountedOnceUnder(String repo) {
        List<String> shas = GitHubFixtures.items(GitHubFixtures.TIDBIT_COMMITS + ".json").stream().map(json -> field(json, "sha")).sorted().toList();
        List<String> numbers = GitHubFixtures.items(GitHubFixtures.EXAMPLE_ISSUES + ".json").stream().map(json -> field(json, "number"))
                .sorted().toList();
        Map<String, List<String>> commits = keys(Topics.COMMITS);
        commits.remove("org/other"); // the organization's other repository, in the --org run
        assertThat(commits).containsOnlyKeys(repo);
        assertThat(commits.get(repo)).containsExactlyElementsOf(shas); // each once: sorted, duplicates would show
        Map<String, List<String>> issues = keys(Topics.ISSUES);
        assertThat(issues).containsOnlyKeys(repo);
        assertThat(issues.get(repo)).containsExactlyElementsOf(numbers);
        assertThat(cursors().keySet()).allMatch(k -> k.startsWith(repo + ":") || k.startsWith("org/other:"));
    }

    private static String field(String json, String name) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).path(name).asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Repository key -> the item identities (sha or number) of every committed record on {@code topic}, sorted. */
    private static Map<String, List<String>> keys(String topic) {
        Map<String, List<String>> byRepo = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : read(topic)) {
            String[] parts = r.key().split(topic.equals(Topics.COMMITS) ? "@" : "#", 2);
            byRepo.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1]);
        }
        byRepo.values().forEach(java.util.Collections::sort);
        return byRepo;
    }

    private static Map<String, IngestCursor> cursors() {
        return read(Topics.INGEST_STATE).stream().filter(r -> r.value() != null).collect(Collectors.toMap(ConsumerRecord::key,
                r -> AvroSerdes.ingestCursor().decode(r.value()), (a, b) -> b, TreeMap::new));
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (c.position(tp) < end) {
                c.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private int producer(ByteArrayOutputStream err, String... selection) {
        List<String> args = new ArrayList<>(List.of(selection));
        args.addAll(List.of("--github-api-url", github.apiUrl().toString(), "--github-token-file", token.toString(),
                "--bootstrap-servers", broker.bootstrapServers(), "--transactional-id", "renamed-it-" + run, "--once"));
        err.reset();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new ProducerCli()).execute(args.toArray(String[]::new));
        } finally {
            System.setErr(original);
        }
    }
}
