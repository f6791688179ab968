package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused connection to the embedded broker is an expected notice only while that broker starts (its listener
 * opens last, after the replay of its metadata log); before and after, and for any other port, the WARN prints.
 */
class StartingBrokerNoticeTest {
    private static final String CLIENT = "org.apache.kafka.clients.NetworkClient";
    private static final String REFUSED = "[TransactionMarkerChannelManager broker=1] Connection to node {} ({}) could not be "
            + "established. Node may not be available.";
    private static final String BOOTSTRAP = "[AdminClient clientId=adminclient-1] Bootstrap broker {} (id: -1 rack: null "
            + "isFenced: false) disconnected";

    private final LoggerContext context = new LoggerContext();
    private final ExpectedNoticeFilter filter = new ExpectedNoticeFilter();

    @TempDir
    Path dir;

    private FilterReply decide(String format, Object... params) {
        return filter.decide(null, context.getLogger(CLIENT), Level.WARN, format, params, null);
    }

    @Test
    void refusedConnectionsToTheBrokerAreExpectedOnlyWhileItStarts() throws Exception {
        EmbeddedKafkaBroker.start(dir).close(); // a first start keeps the ports: the restart listens on the same one
        int port;
        try (InputStream in = Files.newInputStream(dir.resolve("listeners.properties"))) {
            Properties p = new Properties();
            p.load(in);
            port = Integer.parseInt(p.getProperty("broker.port"));
        }
        String address = "/127.0.0.1:" + port;
        assertThat(decide(REFUSED, 1, address)).as("no broker starting").isEqualTo(FilterReply.NEUTRAL);

        CompletableFuture<EmbeddedKafkaBroker> restart = CompletableFuture.supplyAsync(() -> EmbeddedKafkaBroker.start(dir));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!EmbeddedKafkaBroker.listenerStarting(port) && !restart.isDone() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(EmbeddedKafkaBroker.listenerStarting(port)).as("seen starting").isTrue();
            assertThat(decide(REFUSED, 1, address)).isEqualTo(FilterReply.DENY);
            assertThat(decide(BOOTSTRAP, "127.0.0.1:" + port)).isEqualTo(FilterReply.DENY);
            assertThat(decide(REFUSED, 2, "/127.0.0.1:" + (port == 65535 ? 1 : port + 1))).as("another port")
                    .isEqualTo(FilterReply.NEUTRAL);
        } finally {
            restart.get(2, TimeUnit.MINUTES).close();
        }
        assertThat(decide(REFUSED, 1, address)).as("once up: a refused connection needs a look").isEqualTo(FilterReply.NEUTRAL);
    }
}
