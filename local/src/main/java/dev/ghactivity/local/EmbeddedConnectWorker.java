package dev.ghactivity.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A standalone Kafka Connect worker in this JVM (the same runtime {@code connect-standalone.sh} starts). */
final class EmbeddedConnectWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedConnectWorker.class);

    private final Connect<StandaloneHerder> connect;

    private EmbeddedConnectWorker(Connect<StandaloneHerder> connect) {
        this.connect = connect;
    }

    static EmbeddedConnectWorker start(Map<String, String> workerProps) {
        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(workerProps);
        return new EmbeddedConnectWorker(connect);
    }

    /** Creates or replaces a connector and waits until the worker accepted it. */
    void putConnector(String name, Map<String, String> config) {
        FutureCallback<org.apache.kafka.connect.runtime.Herder.Created<org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo>> cb =
                new FutureCallback<>();
        connect.herder().putConnectorConfig(name, config, true, cb);
        try {
            cb.get(60, TimeUnit.SECONDS);
            LOG.info("connector {} ({}) configured", name, config.get("connector.class"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka Connect refused connector " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka Connect did not accept connector " + name + " within 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while configuring connector " + name, e);
        }
    }

    /**
     * Why the connector or one of its tasks failed, if it did: the message of the exception it failed on (Connect
     * wraps the task's own in "Exiting WorkerSinkTask due to unrecoverable exception": its first cause is the one
     * that says what happened), or empty while it runs. A failed task stays failed until restarted.
     */
    Optional<String> failure(String connector) {
        ConnectorStateInfo status;
        try {
            status = connect.herder().connectorStatus(connector);
        } catch (RuntimeException notYetKnown) {
            return Optional.empty();
        }
        List<ConnectorStateInfo.AbstractState> states = new ArrayList<>();
        states.add(status.connector());
        states.addAll(status.tasks());
        for (ConnectorStateInfo.AbstractState state : states) {
            if ("FAILED".equals(state.state())) {
                return Optional.of(failureMessage(state.trace()));
            }
        }
        return Optional.empty();
    }

    /** Connect's wrappers around a task's exception: their messages say nothing of what happened. */
    private static final List<String> WRAPPERS = List.of("Exiting WorkerSinkTask due to unrecoverable exception",
            "Unrecoverable exception from SinkTask", "Tolerance exceeded in error handler");

    /**
     * From a Java stack trace as text: the first message along the cause chain that is not one of Connect's wrappers,
     * without its type name.
     */
    static String failureMessage(String trace) {
        if (trace == null || trace.isBlank()) {
            return "failed (no reason given)";
        }
        List<String> chain = new ArrayList<>();
        trace.lines().forEach(l -> {
            if (chain.isEmpty()) {
                chain.add(l);
            } else if (l.startsWith("Caused by: ")) {
                chain.add(l.substring("Caused by: ".length()));
            }
        });
        List<String> messages = chain.stream().map(EmbeddedConnectWorker::withoutType).toList();
        return messages.stream().filter(m -> WRAPPERS.stream().noneMatch(m::startsWith)).findFirst().orElse(messages.get(0));
    }

    /** {@code pkg.Type: message} to {@code message}. */
    private static String withoutType(String line) {
        int colon = line.indexOf(": ");
        return colon > 0 && !line.substring(0, colon).contains(" ") ? line.substring(colon + 2).strip() : line.strip();
    }

    /** Stops connectors (their tasks flush and close) and the worker. */
    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
