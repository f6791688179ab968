package dev.ghactivity.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The loopback ports of the embedded broker's two listeners, kept in {@code <log dir>/listeners.properties}
 * ({@code broker.port}, {@code controller.port}) so that every start on one log directory listens where the
 * metadata log says node 1 listens.
 *
 * <p>The ports of a first start are probed free (bind port 0, read it back, release it): a KRaft voter's
 * address must be in the configuration before the server starts, and {@code KafkaRaftServer} does not tell
 * which port it bound. Another process can take such a port in between; the broker's start then fails to
 * bind and {@link EmbeddedKafkaBroker} picks other ones. After that the ports never change.
 */
record ListenerPorts(Path logDir, int broker, int controller) {
    static final String FILE = "listeners.properties";

    /** The kept ports of {@code logDir}, or null before its first successful start. */
    static ListenerPorts load(Path logDir) {
        Path file = logDir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            return new ListenerPorts(logDir, Integer.parseInt(p.getProperty("broker.port").trim()),
                    Integer.parseInt(p.getProperty("controller.port").trim()));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the Kafka broker's ports from " + file + " (" + e.getMessage()
                    + "): fix the file (broker.port=, controller.port=) or delete it to pick new ports", e);
        }
    }

    static ListenerPorts pickFree(Path logDir) {
        // Both sockets open at once: two different ports.
        try (ServerSocket broker = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket controller = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new ListenerPorts(logDir, broker.getLocalPort(), controller.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    /** Writes the ports next to the log (atomically: a kill never leaves half a file). */
    void save() {
        Properties p = new Properties();
        p.setProperty("broker.port", String.valueOf(broker));
        p.setProperty("controller.port", String.valueOf(controller));
        Path file = logDir.resolve(FILE);
        Path tmp = logDir.resolve(FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "Listener ports of the embedded Kafka broker: node 1 is known at these addresses in the metadata log");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Fails with one line naming the port and the log directory if another process listens on a kept port. */
    void requireFree() {
        requireFree(broker, "broker");
        requireFree(controller, "controller");
    }

    private void requireFree(int port, String listener) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the broker binds: a killed run's TIME_WAIT connections do not count
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        } catch (IOException e) {
            throw new PortTakenException(port, "port " + port + " on 127.0.0.1 (the Kafka " + listener + " listener kept in "
                    + logDir.resolve(FILE) + ") is taken by another process: stop that process (another ghactivity on the "
                    + "same data directory?) and start again", e);
        }
    }

    static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message of a failure, for a one-line report. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }
}
