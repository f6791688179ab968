package dev.ghactivity.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class EmbeddedS3ServerIT {
    @TempDir
    Path dir;

    @Test
    void objectsPutThroughTheSdkArePlainFilesUnderTheBaseDirectory() throws Exception {
        try (EmbeddedS3Server server = EmbeddedS3Server.start(dir, 0);
             S3Client s3 = S3Client.builder()
                     .endpointOverride(server.endpoint())
                     .forcePathStyle(true)
                     .region(Region.US_EAST_1)
                     .httpClient(UrlConnectionHttpClient.create())
                     .credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create(server.accessKey(), server.secretKey())))
                     .build()) {
            server.createBucket("ghactivity");
            s3.putObject(b -> b.bucket("ghactivity").key("monthly-activity/month=2024-01/part-0.jsonl"),
                    RequestBody.fromString("{\"repo\":\"a/b\"}\n"));

            assertThat(s3.listObjectsV2(b -> b.bucket("ghactivity")).contents())
                    .extracting(o -> o.key()).containsExactly("monthly-activity/month=2024-01/part-0.jsonl");
            assertThat(s3.getObjectAsBytes(b -> b.bucket("ghactivity").key("monthly-activity/month=2024-01/part-0.jsonl"))
                    .asUtf8String()).isEqualTo("{\"repo\":\"a/b\"}\n");
            assertThat(Files.readString(server.objectPath("ghactivity", "monthly-activity/month=2024-01/part-0.jsonl")))
                    .isEqualTo("{\"repo\":\"a/b\"}\n");
        }
    }
}
