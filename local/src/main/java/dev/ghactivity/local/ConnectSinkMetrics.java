package dev.ghactivity.local;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The sink connectors' row counts, read from Connect's own metrics in this JVM's JMX (Connect registers every task's
 * {@code sink-task-metrics} and {@code task-error-metrics} there), as
 * {@code ghactivity_sink_records_written_total{connector}} ({@code sink-record-send-total}: records handed to the
 * task's {@code put}, those it dead-letters itself included) and {@code ghactivity_sink_records_dead_lettered_total{connector}}
 * ({@code deadletterqueue-produce-requests}), summed over the connector's tasks. A Connect worker running alone
 * exposes the same MBeans for a JMX exporter (see the README).
 */
final class ConnectSinkMetrics {
    private ConnectSinkMetrics() {
    }

    static void bind(MeterRegistry registry, String connector) {
        FunctionCounter.builder("ghactivity.sink.records.written", connector,
                        c -> sum("kafka.connect:type=sink-task-metrics,connector=" + c + ",task=*", "sink-record-send-total"))
                .description("Records handed to the sink connector's tasks (Connect's sink-record-send-total)")
                .tag("connector", connector).register(registry);
        FunctionCounter.builder("ghactivity.sink.records.dead.lettered", connector,
                        c -> sum("kafka.connect:type=task-error-metrics,connector=" + c + ",task=*", "deadletterqueue-produce-requests"))
                .description("Records the sink connector sent to its dead-letter topic (Connect's deadletterqueue-produce-requests)")
                .tag("connector", connector).register(registry);
    }

    private static double sum(String pattern, String attribute) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        double total = 0;
        try {
            Set<ObjectName> names = server.queryNames(new ObjectName(pattern), null);
            for (ObjectName name : names) {
                Object value = server.getAttribute(name, attribute);
                if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
                    total += n.doubleValue();
                }
            }
        } catch (JMException e) {
            return Double.NaN;
        }
        return total;
    }
}
