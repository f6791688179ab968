package dev.ghactivity.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ObjectStoreTest {
    private static S3Exception status(int code) {
        return (S3Exception) S3Exception.builder().statusCode(code)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("Code" + code).build()).build();
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504, 408, 429})
    void serverErrorsTimeoutsAndThrottlingAreTransient(int code) {
        assertThat(S3ObjectStore.isTransient(status(code))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 403, 404, 409})
    void refusalsAreNot(int code) {
        assertThat(S3ObjectStore.isTransient(status(code))).isFalse();
        assertThat(S3ObjectStore.describe(status(code))).isEqualTo("HTTP " + code + " Code" + code);
    }

    @Test
    void anIoErrorIsTransient() {
        assertThat(S3ObjectStore.isTransient(SdkClientException.create("Connection refused"))).isTrue();
    }
}
