package dev.ghactivity.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
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

    @Test
    void aStartOnATakenPortFailsNamingThePortAndLeavesNoThreadOrSocketBehind() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            assertThatThrownBy(() -> EmbeddedS3Server.start(dir, port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !before.contains(t) && !t.getName().startsWith("awaitility")).map(Thread::getName).toList())
                    .as("threads the failed start left running").isEmpty());
        }
    }

    @Test
    void portZeroIsBoundByTheServerAndReadBack() {
        try (EmbeddedS3Server server = EmbeddedS3Server.start(dir, 0)) {
            assertThat(server.port()).isPositive();
            assertThat(server.endpoint().toString()).isEqualTo("http://127.0.0.1:" + server.port());
            assertThatThrownBy(() -> new ServerSocket(server.port(), 1, InetAddress.getLoopbackAddress()).close())
                    .as("the server listens on the port it reports").isInstanceOf(java.net.BindException.class);
        }
    }
}
