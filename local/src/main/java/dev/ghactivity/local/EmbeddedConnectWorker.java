package dev.ghactivity.local;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
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

    /** Stops connectors (their tasks flush and close) and the worker. */
    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
