package dev.ghactivity.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
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
    private final FullDiskFault fullDisk;

    private EmbeddedS3Server(S3Proxy proxy, Path baseDir, URI endpoint, FullDiskFault fullDisk) {
        this.proxy = proxy;
        this.baseDir = baseDir;
        this.endpoint = endpoint;
        this.fullDisk = fullDisk;
    }

    /**
     * Starts the server.
     *
     * @param baseDir where buckets (directories) and objects (files) live
     * @param port    the port on 127.0.0.1, or 0 for any free one
     */
    public static EmbeddedS3Server start(Path baseDir, int port) {
        try {
            Files.createDirectories(baseDir);
            int chosen = port != 0 ? port : LoopbackPorts.free();
            URI endpoint = URI.create("http://127.0.0.1:" + chosen);
            FullDiskFault fullDisk = new FullDiskFault(new FilesystemNio2BlobStore(baseDir.toAbsolutePath().toString()));
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(fullDisk)
                    .endpoint(endpoint)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .jettyMaxThreads(16)
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("embedded S3 server did not start on " + endpoint + " (state " + proxy.getState() + ")");
                }
                Thread.sleep(10);
            }
            LOG.info("S3-compatible server up at {}, objects under {}", endpoint, baseDir);
            return new EmbeddedS3Server(proxy, baseDir, endpoint, fullDisk);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded S3 server in " + baseDir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded S3 server", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded S3 server on port " + port + ": " + e.getMessage(), e);
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

    /**
     * For fault tests: while {@code full}, every object write fails inside the server the way a full data
     * directory makes it fail ({@code No space left on device}), and clients get a 500; reads still work.
     */
    public void simulateFullDisk(boolean full) {
        fullDisk.full = full;
        LOG.info("S3-compatible server at {}: data directory {}", endpoint, full ? "full (writes fail)" : "writable again");
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

    /** The filesystem store, with writes that fail on demand like those to a full disk. */
    private static final class FullDiskFault extends ForwardingBlobStore {
        private volatile boolean full;

        FullDiskFault(BlobStore delegate) {
            super(delegate);
        }

        private void check() {
            if (full) {
                throw new UncheckedIOException(new IOException("No space left on device"));
            }
        }

        @Override
        public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
            check();
            return super.putBlob(request, content);
        }

        @Override
        public CopyObjectResponse copyBlob(CopyObjectRequest request) {
            check();
            return super.copyBlob(request);
        }

        @Override
        public UploadPartResponse uploadMultipartPart(MultipartUpload upload, UploadPartRequest request, InputStream content) {
            check();
            return super.uploadMultipartPart(upload, request, content);
        }
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
