package dev.ghactivity.producer.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghactivity.producer.ProducerAppConfig;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.testkit.GitHubWebhookSender;
import dev.ghactivity.testkit.GitHubWebhookSender.Answer;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The receiver's HTTP contract for everything answered before Kafka is involved: the broker address points
 * nowhere, so a test that got past the checks by mistake would answer 503, not 2xx.
 */
class WebhookReceiverTest {
    private static final String SECRET = "receiver-test-secret-9f2c";
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger projectLogger = (Logger) LoggerFactory.getLogger("dev.ghactivity");
    private WebhookReceiver receiver;
    private GitHubWebhookSender github;

    @BeforeEach
    void start() {
        logs.start();
        projectLogger.addAppender(logs);
        ProducerAppConfig config = ProducerAppConfig.builder()
                .bootstrapServers("127.0.0.1:9") // discard port: nothing here may reach Kafka
                .repositories(List.of(RepositoryName.parse("Codertocat/Hello-World")))
                .build();
        receiver = WebhookReceiver.start(config, WebhookSettings.of("127.0.0.1", 0, WebhookSecret.of(SECRET)));
        github = GitHubWebhookSender.local(receiver.port(), SECRET);
    }

    @AfterEach
    void stop() {
        receiver.close();
        projectLogger.detachAppender(logs);
    }

    @Test
    void logsOnceWhereItListens() {
        assertThat(messages()).filteredOn(m -> m.startsWith("webhook receiver listening on "))
                .containsExactly("webhook receiver listening on http://127.0.0.1:" + receiver.port() + "/webhooks/github");
    }

    @Test
    void aTakenPortIsOneClearMessage() {
        ProducerAppConfig config = ProducerAppConfig.builder().bootstrapServers("127.0.0.1:9")
                .repositories(List.of(RepositoryName.parse("Codertocat/Hello-World"))).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebhookReceiver.start(config,
                        WebhookSettings.of("127.0.0.1", receiver.port(), WebhookSecret.of(SECRET))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot start the webhook receiver on 127.0.0.1:" + receiver.port())
                .hasMessageEndingWith("; choose another --webhook-port");
    }

    @Test
    void aMissingOrWrongSignatureIs401AndLogsNeitherBodyNorSecret() {
        byte[] body = GitHubWebhookSender.fixture("issues_opened.json");
        Answer missing = github.post("issues", "d-1", body, null, "application/json");
        Answer wrong = github.post("issues", "d-2", body, GitHubWebhookSender.signature("not the secret", body), "application/json");
        Answer tampered = github.post("issues", "d-3", GitHubWebhookSender.fixture("issues_deleted.json"),
                GitHubWebhookSender.signature(SECRET, body), "application/json");

        assertThat(List.of(missing.status(), wrong.status(), tampered.status())).containsOnly(401);
        assertThat(missing.body()).isEqualTo("missing or wrong X-Hub-Signature-256\n");
        assertThat(receiver.rejectedDeliveries()).isEqualTo(3);
        assertThat(receiver.committedDeliveries() + receiver.failedDeliveries()).isZero();
        assertThat(messages()).anySatisfy(m -> assertThat(m).contains("delivery d-1 (issues) refused: X-Hub-Signature-256 is missing"));
        assertThat(messages()).anySatisfy(m -> assertThat(m).contains("delivery d-2 (issues) refused: X-Hub-Signature-256 is wrong"));
        assertThat(messages()).noneSatisfy(m -> assertThat(m).containsAnyOf(SECRET, "Spelling error", "Codertocat"));
    }

    @Test
    void onlyJsonIsAcceptedAndFormEncodedDeliveriesAreToldToSwitch() {
        byte[] form = "payload=%7B%7D".getBytes(StandardCharsets.UTF_8);
        Answer answer = github.post("issues", "d-4", form, GitHubWebhookSender.signature(SECRET, form), "application/x-www-form-urlencoded");
        assertThat(answer.status()).isEqualTo(415);
        assertThat(answer.body()).isEqualTo("form-encoded deliveries (payload=...) are not accepted: edit the webhook on GitHub "
                + "and choose Content type application/json\n");
        byte[] body = GitHubWebhookSender.fixture("ping_payload.json");
        assertThat(github.post("ping", "d-5", body, GitHubWebhookSender.signature(SECRET, body), "text/plain").status()).isEqualTo(415);
        assertThat(github.post("ping", "d-6", body, GitHubWebhookSender.signature(SECRET, body), "application/json; charset=utf-8").status())
                .isEqualTo(202);
    }

    @Test
    void aBodyOver25MegabytesIs413ByContentLengthAndWhileReadingAChunkedOne() throws Exception {
        byte[] big = new byte[WebhookReceiver.MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        Answer declared = github.post("push", "d-7", big, GitHubWebhookSender.signature(SECRET, big), "application/json");
        assertThat(declared.status()).isEqualTo(413);

        // Chunked: no Content-Length, the limit holds while reading.
        HttpURLConnection chunked = (HttpURLConnection) URI.create("http://127.0.0.1:" + receiver.port() + "/webhooks/github").toURL().openConnection();
        chunked.setRequestMethod("POST");
        chunked.setDoOutput(true);
        chunked.setChunkedStreamingMode(64 * 1024);
        chunked.setRequestProperty("Content-Type", "application/json");
        chunked.setRequestProperty("X-GitHub-Event", "push");
        chunked.setRequestProperty("X-Hub-Signature-256", GitHubWebhookSender.signature(SECRET, big));
        try (OutputStream out = chunked.getOutputStream()) {
            out.write(big);
        } catch (java.io.IOException closedEarly) {
            // the server may answer and close before the whole body is sent
        }
        assertThat(chunked.getResponseCode()).isEqualTo(413);
        // Exactly the cap passes the size check (and fails the signature here: the body is not JSON anyway).
        byte[] atCap = java.util.Arrays.copyOf(big, WebhookReceiver.MAX_BODY_BYTES);
        assertThat(github.post("push", "d-8", atCap, null, "application/json").status()).isEqualTo(401);
    }

    @Test
    void otherPathsAndMethodsAreAnsweredButNotCountedAsDeliveries() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.port() + "/webhooks/github")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        byte[] body = GitHubWebhookSender.fixture("ping_payload.json");
        Answer elsewhere = new GitHubWebhookSender(URI.create("http://127.0.0.1:" + receiver.port() + "/hooks"), SECRET).deliver("ping", "d-9", body);
        assertThat(elsewhere.status()).isEqualTo(404);
        assertThat(receiver.summary()).as("neither is a delivery")
                .isEqualTo("webhook receiver stopped: 0 deliveries committed, 0 redelivered, 0 ignored, 0 refused, 0 failed");
    }

    @Test
    void pingOtherBranchesUnusedEventsAndUnconfiguredRepositoriesAre202AndCounted() {
        assertThat(github.deliver("ping", "d-10", GitHubWebhookSender.fixture("ping_payload.json")))
                .isEqualTo(new Answer(202, "ignored: ping\n"));
        assertThat(github.deliver("push", "d-11", GitHubWebhookSender.fixture("push_with-new-branch.json", r -> r.put("ref", "refs/heads/dev"))))
                .isEqualTo(new Answer(202, "ignored: push to refs/heads/dev, not the default branch master\n"));
        assertThat(github.deliver("watch", "d-12", GitHubWebhookSender.fixture("ping_payload.json")).status()).isEqualTo(202);
        assertThat(github.deliver("issues", "d-13", GitHubWebhookSender.fixture("issues_transferred.json")))
                .isEqualTo(new Answer(202, "ignored: repository octo-org/octo-repo is not configured\n"));
        assertThat(receiver.ignoredDeliveries()).isEqualTo(4);
        assertThat(github.deliver("issues", "d-14", "[1, 2]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new Answer(400, "the body is not a JSON object\n"));
        assertThat(github.post("issues", "d-15", new byte[0], GitHubWebhookSender.signature(SECRET, new byte[0]), "application/json").status())
                .isEqualTo(400);
    }

    private List<String> messages() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
