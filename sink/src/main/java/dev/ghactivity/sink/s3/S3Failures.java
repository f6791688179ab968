package dev.ghactivity.sink.s3;

import dev.ghactivity.sink.SinkTaskErrors;
import org.apache.kafka.connect.errors.ConnectException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What a failed S3 request becomes: a transient one ({@link S3ObjectStore#isTransient}) is retried through Connect
 * up to {@code max.retries}; a refusal will not pass by itself and stops the task with what to check.
 */
final class S3Failures {
    private final SinkTaskErrors errors;

    S3Failures(SinkTaskErrors errors) {
        this.errors = errors;
    }

    /** The exception to throw for {@code e} while doing {@code what} (e.g. "writing github.monthly-activity-0 to s3://b"). */
    RuntimeException of(String what, SdkException e) {
        if (S3ObjectStore.isTransient(e)) {
            return errors.retry(what, e);
        }
        return new ConnectException(what + " was refused (" + S3ObjectStore.describe(e) + "): check " + S3SinkConfig.BUCKET
                + ", the credentials and their permissions. Nothing unwritten was committed; restart the task once it is fixed.", e);
    }

    /** A write succeeded: the next failure starts a fresh series of retries. */
    void succeeded() {
        errors.succeeded();
    }
}
