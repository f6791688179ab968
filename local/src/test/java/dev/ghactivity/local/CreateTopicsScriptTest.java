package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker/create-topics.sh}, the README's reference for creating the topics on one's own cluster, runs
 * (with bash, against a stand-in {@code kafka-topics.sh} that records its arguments) and creates exactly the
 * topics of {@link Topics}, with their partitions and settings and the replication the environment asks for.
 */
class CreateTopicsScriptTest {
    private final Path root = Path.of(System.getProperty("ghactivity.project.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** One {@code kafka-topics.sh} call: topic, partitions, replication factor, configs, other arguments. */
    record Creation(String topic, int partitions, short replicationFactor, Map<String, String> configs, List<String> other) {
    }

    @Test
    void theScriptCreatesExactlyTheTopicsOfTopicsWithTheReplicationPartitionsAndSettingsAsked() throws Exception {
        Run run = run(Map.of("REPLICATION_FACTOR", "3", "MIN_ISR", "2", "PARTITIONS", "6"),
                "broker-1:9093", "--command-config", "client.properties");
        assertThat(run.exitCode).as(run.stderr).isZero();

        List<NewTopic> expected = new ArrayList<>(Topics.definitions(6, (short) 3));
        expected.add(Topics.deadLetterDefinition((short) 3));
        expected.add(Topics.streamsDeadLetterDefinition((short) 3));
        Map<String, Creation> wanted = new TreeMap<>();
        for (NewTopic t : expected) {
            Map<String, String> configs = new TreeMap<>(t.configs());
            configs.put("min.insync.replicas", "2");
            wanted.put(t.name(), new Creation(t.name(), t.numPartitions(), t.replicationFactor(), configs,
                    List.of("--bootstrap-server", "broker-1:9093", "--command-config", "client.properties", "--create", "--if-not-exists")));
        }
        Map<String, Creation> created = new TreeMap<>();
        run.creations.forEach(c -> created.put(c.topic(), c));
        assertThat(run.creations).hasSize(expected.size());
        assertThat(created).isEqualTo(wanted);
    }

    @Test
    void withoutSettingsTheScriptCreatesTheSingleNodeTopicsOfTheDockerCompose() throws Exception {
        Run run = run(Map.of(), "kafka:9092");
        assertThat(run.exitCode).as(run.stderr).isZero();
        assertThat(run.creations).extracting(Creation::topic).containsExactly(Topics.COMMITS, Topics.ISSUES, Topics.INGEST_STATE,
                Topics.MONTHLY_ACTIVITY, Topics.REPOSITORY_STATE, Topics.MONTHLY_ACTIVITY_DLQ, Topics.STREAMS_DLQ);
        assertThat(run.creations).allSatisfy(c -> {
            assertThat(c.replicationFactor()).isEqualTo((short) 1);
            assertThat(c.configs()).containsEntry("min.insync.replicas", "1");
        });
        assertThat(run.creations).filteredOn(c -> !c.topic().endsWith(".dlq")).extracting(Creation::partitions).containsOnly(3);
        assertThat(run.creations.subList(5, 7)).allSatisfy(dlq -> assertThat(dlq.configs())
                .containsEntry("retention.ms", String.valueOf(Topics.DEAD_LETTER_RETENTION_MS)).containsEntry("cleanup.policy", "delete"));
    }

    @Test
    void aMinimumInSyncAboveTheReplicationFactorIsRefusedWithOneLineBeforeAnyTopicIsCreated() throws Exception {
        Run run = run(Map.of("REPLICATION_FACTOR", "1", "MIN_ISR", "2"), "kafka:9092");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.stderr.strip()).doesNotContain("\n").contains("MIN_ISR (2)").contains("REPLICATION_FACTOR (1)");
        assertThat(run.creations).isEmpty();

        Run notANumber = run(Map.of("PARTITIONS", "three"), "kafka:9092");
        assertThat(notANumber.exitCode).isEqualTo(2);
        assertThat(notANumber.stderr.strip()).isEqualTo("create-topics.sh: PARTITIONS must be a positive whole number, got 'three'");
        assertThat(notANumber.creations).isEmpty();
    }

    private record Run(int exitCode, String stderr, List<Creation> creations) {
    }

    /** Runs the script with a {@code kafka-topics.sh} that writes each call's arguments, one per line, then a blank line. */
    private Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path calls = dir.resolve("calls-" + System.nanoTime());
        Path stub = dir.resolve("kafka-topics.sh");
        Files.writeString(stub, "#!/bin/bash\nprintf '%s\\n' \"$@\" >> \"$CALLS\"\necho >> \"$CALLS\"\n");
        stub.toFile().setExecutable(true);
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("docker/create-topics.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeAll(List.of("REPLICATION_FACTOR", "MIN_ISR", "PARTITIONS", "DLQ_RETENTION_MS"));
        pb.environment().putAll(env);
        pb.environment().put("KAFKA_TOPICS", stub.toString());
        pb.environment().put("CALLS", calls.toString());
        Process p = pb.start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<Creation> creations = new ArrayList<>();
        if (Files.exists(calls)) {
            List<String> current = new ArrayList<>();
            for (String line : Files.readAllLines(calls)) {
                if (line.isEmpty()) {
                    creations.add(parse(current));
                    current = new ArrayList<>();
                } else {
                    current.add(line);
                }
            }
        }
        return new Run(p.exitValue(), stderr, creations);
    }

    private static Creation parse(List<String> args) {
        String topic = null;
        int partitions = -1;
        short replication = -1;
        Map<String, String> configs = new TreeMap<>();
        List<String> other = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--topic" -> topic = args.get(++i);
                case "--partitions" -> partitions = Integer.parseInt(args.get(++i));
                case "--replication-factor" -> replication = Short.parseShort(args.get(++i));
                case "--config" -> {
                    String[] kv = args.get(++i).split("=", 2);
                    assertThat(configs.put(kv[0], kv[1])).as("config " + kv[0] + " given twice").isNull();
                }
                default -> other.add(args.get(i));
            }
        }
        return new Creation(topic, partitions, replication, configs, other);
    }
}
