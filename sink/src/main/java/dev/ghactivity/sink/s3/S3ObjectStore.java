package dev.ghactivity.sink.s3;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The few S3 calls the sink makes, over AWS SDK v2 with the small url-connection HTTP client. */
final class S3ObjectStore implements AutoCloseable {
    private final S3Client s3;
    private final String bucket;

    S3ObjectStore(S3SinkConfig config) {
        AwsCredentialsProvider credentials = config.accessKeyId() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        config.accessKeyId().value(), config.secretAccessKey().value()));
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                .credentialsProvider(credentials)
                // The task retries through Connect (RetriableException); keep the SDK's own retries short.
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(60)).retryStrategy(r -> r.maxAttempts(3)));
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        this.s3 = builder.build();
        this.bucket = config.bucket();
    }

    void createBucketIfMissing() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
        }
    }

    void put(String key, byte[] bytes, String contentEncoding) {
        s3.putObject(b -> {
            b.bucket(bucket).key(key).contentType("application/x-ndjson");
            if (contentEncoding != null) {
                b.contentEncoding(contentEncoding);
            }
        }, RequestBody.fromBytes(bytes));
    }

    Optional<byte[]> get(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** Keys under {@code prefix} that sort after {@code startAfter} (null: all), in key order. */
    List<String> list(String prefix, String startAfter) {
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).startAfter(startAfter))
                .contents().forEach(o -> keys.add(o.key()));
        return keys;
    }

    void delete(String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    String bucket() {
        return bucket;
    }

    /**
     * Whether a failed request may succeed later: I/O errors (endpoint down, timeouts), 5xx, throttling
     * (429, 503 SlowDown) and 408. Anything else the server answered (403 bad credentials, 404 no such
     * bucket, 400) will fail the same way every time.
     */
    static boolean isTransient(SdkException e) {
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            return status >= 500 || status == 408 || status == 429 || service.isThrottlingException();
        }
        return e instanceof SdkClientException;
    }

    /** A one-line description of a failure: the status and S3 error code when the server answered. */
    static String describe(SdkException e) {
        if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return "HTTP " + service.statusCode() + " " + service.awsErrorDetails().errorCode();
        }
        if (e instanceof AwsServiceException service) {
            return "HTTP " + service.statusCode();
        }
        return e.getMessage();
    }

    @Override
    public void close() {
        s3.close();
    }
}
