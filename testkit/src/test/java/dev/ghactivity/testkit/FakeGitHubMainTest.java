package dev.ghactivity.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo and benchmark fake ({@code FakeGitHubMain}): the repositories given, by their sizes; any other one answers 404 like GitHub. */
class FakeGitHubMainTest {
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private FakeGitHub github;

    @BeforeEach
    void start() {
        github = FakeGitHubMain.start(new String[] {"0", "3", "2", "acme/one", "acme/two=5,1"});
    }

    @AfterEach
    void stop() {
        github.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    @Test
    void servesTheGivenRepositoriesBySizeAndAnswers404ForAnyOther() throws IOException {
        assertThat(items("/repos/acme/one/commits?per_page=100")).isEqualTo(3);
        assertThat(items("/repos/acme/one/issues?per_page=100&state=all")).isEqualTo(2);
        assertThat(items("/repos/acme/two/commits?per_page=100")).isEqualTo(5);
        assertThat(items("/repos/acme/two/issues?per_page=100&state=all")).isEqualTo(1);
        assertThat(status("/repos/acme/unknown/commits?per_page=100")).isEqualTo(404);
        assertThat(status("/repos/acme/unknown/issues?per_page=100&state=all")).isEqualTo(404);
        assertThat(status("/repos/acme/unknown")).isEqualTo(404);
        assertThat(json("/repos/acme/one").path("full_name").asText()).isEqualTo("acme/one");
        JsonNode org = json("/orgs/acme/repos?per_page=100");
        assertThat(org.findValuesAsText("full_name")).containsExactly("acme/one", "acme/two");
        assertThat(status("/orgs/nobody/repos")).isEqualTo(404);
    }

    private int items(String path) throws IOException {
        return json(path).size();
    }

    private JsonNode json(String path) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(github.apiUrl() + path).build()).execute()) {
            assertThat(r.code()).as(path).isEqualTo(200);
            return GitHubFixtures.JSON.readTree(r.body().string());
        }
    }

    private int status(String path) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(github.apiUrl() + path).build()).execute()) {
            return r.code();
        }
    }
}
