package dev.ghactivity.streams;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an application id count from scratch, in place, as Kafka's {@code kafka-streams-application-reset} tool does
 * for an input read from the beginning: deletes its internal topics ({@code <application.id>-*-changelog} and
 * {@code -repartition}) and its committed offsets, so the next start re-reads the input topics (compacted: every
 * item's latest state) and re-emits every month with absolute values. The caller wipes the local state
 * ({@code KafkaStreams#cleanUp()}). The settings topic and the dead-letter topic are kept.
 *
 * <p>Refused while members of the group are alive: instances of the previous release must be stopped first, or
 * they would keep feeding the old state.
 */
final class CountingStateReset {
    private static final Logger LOG = LoggerFactory.getLogger(CountingStateReset.class);
    private static final Duration DELETION_TIMEOUT = Duration.ofSeconds(60);

    private final String applicationId;
    private final Map<String, Object> client;
    private final Duration sessionTimeout;

    CountingStateReset(StreamsConfig config) {
        this.applicationId = config.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        this.client = new HashMap<>(config.getAdminConfigs(applicationId + "-reset"));
        Object session = config.getMainConsumerConfigs(applicationId, applicationId + "-reset", 0)
                .get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
        this.sessionTimeout = Duration.ofMillis(session == null ? 45_000 : Long.parseLong(session.toString()));
    }

    /**
     * @return the internal topics deleted
     * @throws IllegalStateException if instances are still members of the group, or the deletion does not finish
     */
    Set<String> run() {
        try (Admin admin = Admin.create(client)) {
            requireNoLiveMembers(admin);
            Set<String> groups = admin.listGroups().all().get().stream().map(g -> g.groupId()).collect(Collectors.toSet());
            Set<String> internal = internalTopics(applicationId, admin.listTopics().names().get(), groups);
            if (!internal.isEmpty()) {
                admin.deleteTopics(internal).all().get();
                awaitDeleted(admin, internal);
            }
            try {
                admin.deleteConsumerGroups(List.of(applicationId)).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            }
            return internal;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("another instance is resetting application " + applicationId + " too: start it again", e.getCause());
            }
            throw new IllegalStateException("cannot reset the counting state of application " + applicationId + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resetting the counting state", e);
        }
    }

    /**
     * The internal topics of {@code applicationId} among {@code topics}: {@code <application.id>-*-changelog} and
     * {@code -repartition}, except those of another application whose id starts with this one's and a dash (its group is
     * among {@code groups}): resetting application {@code app} never deletes application {@code app-rows}' topics.
     */
    static Set<String> internalTopics(String applicationId, Collection<String> topics, Collection<String> groups) {
        List<String> longerIds = groups.stream().filter(g -> g.startsWith(applicationId + "-")).toList();
        return topics.stream()
                .filter(t -> t.startsWith(applicationId + "-") && (t.endsWith("-changelog") || t.endsWith("-repartition")))
                .filter(t -> longerIds.stream().noneMatch(other -> t.startsWith(other + "-")))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /**
     * A member of a killed instance stays in the group until its session times out: waits that long (plus a margin)
     * before calling the members live.
     */
    private void requireNoLiveMembers(Admin admin) throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + sessionTimeout.plusSeconds(5).toNanos();
        ConsumerGroupDescription group = describe(admin);
        while (group != null && !group.members().isEmpty() && System.nanoTime() < deadline) {
            LOG.info("application {}: waiting up to {} s for the {} member(s) of its group to leave or time out before the reset",
                    applicationId, sessionTimeout.plusSeconds(5).toSeconds(), group.members().size());
            Thread.sleep(2_000);
            group = describe(admin);
        }
        if (group != null && !group.members().isEmpty()) {
            throw new IllegalStateException("application " + applicationId + " must rebuild its counting state for this release, but "
                    + group.members().size() + " instance(s) of it are still running (" + group.members().stream()
                    .map(m -> m.host()).distinct().collect(Collectors.joining(", ")) + "): stop them all, then start this release");
        }
    }

    private ConsumerGroupDescription describe(Admin admin) throws ExecutionException, InterruptedException {
        try {
            return admin.describeConsumerGroups(List.of(applicationId)).all().get().get(applicationId);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }

    private static void awaitDeleted(Admin admin, Set<String> topics) throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + DELETION_TIMEOUT.toNanos();
        while (admin.listTopics().names().get().stream().anyMatch(topics::contains)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("internal topics " + topics + " still exist " + DELETION_TIMEOUT + " after their deletion");
            }
            Thread.sleep(100);
        }
    }
}
