package dev.ghactivity.local;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the consumer-group members a killed previous run left behind on the local stack's own broker.
 *
 * <p>A process killed with SIGKILL never sends LeaveGroup, so after a restart the broker still lists its
 * members and the next rebalance waits for them for a whole {@code session.timeout.ms} (45 s): the streams-app
 * and both sinks stand still that long. The local stack starts the broker itself from its own data
 * directory, so nothing else can be a member of these groups: any member present before its parts start is
 * a leftover, and removing it (KIP-571, as {@code kafka-streams-application-reset --force} does) lets the
 * restart rebalance at once. Never used against a shared cluster.
 */
final class LeftoverGroupMembers {
    private static final Logger LOG = LoggerFactory.getLogger(LeftoverGroupMembers.class);
    private static final long TIMEOUT_SECONDS = 30;

    private LeftoverGroupMembers() {
    }

    /** Removes every member of each of {@code groups}; returns how many were removed in all. */
    static int remove(String bootstrapServers, Collection<String> groups) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        int removed = 0;
        try (Admin admin = Admin.create(config)) {
            for (String group : groups) {
                removed += removeFrom(admin, group);
            }
        }
        return removed;
    }

    private static int removeFrom(Admin admin, String group) {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                    .describedGroups().get(group).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            int members = description.members().size();
            if (members == 0) {
                return 0;
            }
            admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions())
                    .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info("group {}: removed {} member(s) left by a run that did not stop cleanly, so the restart need not "
                    + "wait a session timeout for them", group, members);
            return members;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0; // first run: the group does not exist yet
            }
            // Not fatal: the group then rebalances after the session timeout, as it would without this.
            LOG.warn("group {}: could not remove leftover members ({}); the first rebalance may wait up to a session timeout",
                    group, e.getCause().toString());
            return 0;
        } catch (TimeoutException e) {
            LOG.warn("group {}: no answer about leftover members within {} s; the first rebalance may wait up to a session timeout",
                    group, TIMEOUT_SECONDS);
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
