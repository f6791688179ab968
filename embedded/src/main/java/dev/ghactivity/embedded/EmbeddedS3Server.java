package dev.ghactivity.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server in this JVM (S3Proxy with its filesystem backend) on 127.0.0.1. Each object
 * is a plain file {@code <baseDir>/<bucket>/<key>}, so a person can open what the S3 sink wrote.
 */
public final class EmbeddedS3Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3Server.class);
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    /** Fixed local credentials: the server only listens on loopback. */
    public static final String ACCESS_KEY = "ghactivity";
    public static final String SECRET_KEY = "ghactivity-local-secret";

    private final S3Proxy proxy;
    private final Path baseDir;
    private final URI endpoint;

    private EmbeddedS3Server(S3Proxy proxy, Path baseDir, URI endpoint) {
        this.proxy = proxy;
        this.baseDir = baseDir;
        this.endpoint = endpoint;
    }

    /**
     * Starts the server.
     *
     * @param baseDir where buckets (directories) and objects (files) live
     * @param port    the port on 127.0.0.1, or 0 for any free one (the server binds it; read it with {@link #port()})
     * @throws IllegalStateException if the server does not start (e.g. the port is taken); nothing stays open
     */
    public static EmbeddedS3Server start(Path baseDir, int port) {
        return start(baseDir, port, UnaryOperator.identity());
    }

    /**
     * Starts the server on a store that {@code store} wraps around the filesystem store: tests inject faults
     * there (e.g. writes failing like on a full disk).
     */
    public static EmbeddedS3Server start(Path baseDir, int port, UnaryOperator<BlobStore> store) {
        try {
            Files.createDirectories(baseDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded S3 server in " + baseDir + ": " + e.getMessage(), e);
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store.apply(new FilesystemNio2BlobStore(baseDir.toAbsolutePath().toString())))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .jettyMaxThreads(16)
                // No graceful stop: S3Proxy's (30 s) waits for clients to drop idle keep-alive connections, 2 s for the
                // SDK's at each stop. Its clients stop first (the stack closes its Connect worker before this server), and
                // a request cut off would only be written again (deterministic object names, offsets not committed).
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("state " + proxy.getState() + " after 10 s");
                }
                Thread.sleep(10);
            }
            URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
            LOG.info("S3-compatible server up at {}, objects under {}", endpoint, baseDir);
            return new EmbeddedS3Server(proxy, baseDir, endpoint);
        } catch (InterruptedException e) {
            stopQuietly(proxy);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded S3 server", e);
        } catch (Exception e) {
            // Jetty may have started threads or bound the port before failing: stop it, so nothing stays open.
            stopQuietly(proxy);
            throw new IllegalStateException("cannot start the embedded S3 server on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception e) {
            LOG.debug("stopping a S3 server that failed to start: {}", e.toString());
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return endpoint.getPort();
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public Path baseDir() {
        return baseDir;
    }

    /** Creates the bucket (a directory) if it does not exist. */
    public void createBucket(String bucket) {
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("invalid S3 bucket name '" + bucket + "': 3-63 lower-case letters, digits, '.' and '-'");
        }
        try {
            Files.createDirectories(baseDir.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bucket directory " + baseDir.resolve(bucket), e);
        }
    }

    /** The file that holds {@code key} in {@code bucket}. */
    public Path objectPath(String bucket, String key) {
        return baseDir.resolve(bucket).resolve(key);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
            LOG.info("S3-compatible server at {} stopped", endpoint);
        } catch (Exception e) {
            LOG.warn("stopping the embedded S3 server at {} failed: {}", endpoint, e.toString());
        }
    }
}
