package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ghactivity.embedded.EmbeddedKafkaBroker;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IngestStateKind;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.ListingIngestProgress;
import dev.ghactivity.schemas.RepositoryState;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.Topics;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless browser (Debian's {@code chromium} driven through {@code /usr/bin/chromedriver}
 * by Selenium) against the app on a real broker holding two fixture repositories: {@code org/tidbit} (commits in
 * 2018-04 and 2018-06) and {@code org/issues} (issues in 2022-07). Skips, saying why, only where chromium or its
 * driver is not installed ({@code .ci/run} installs them).
 */
class DashboardBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    @Test
    void theDashboardChartsEachMonthOfTheChosenRepositoryWithoutConsoleErrors() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "dashboard browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + " (apt-get install -y chromium chromium-driver; .ci/run does it)");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"))) {
            broker.createTopics(Topics.definitions(2, (short) 1));
            try (KafkaProducer<String, CommitEvent> commits = BrokerTopics.producer(broker, AvroSerdes.commitEvent().serializer());
                 KafkaProducer<String, IssueEvent> issues = BrokerTopics.producer(broker, AvroSerdes.issueEvent().serializer())) {
                for (CommitEvent c : FixtureEvents.commits("org/tidbit", RecordedFixturesTopologyTest.TIDBIT + ".json")) {
                    commits.send(new ProducerRecord<>(Topics.COMMITS, RecordKeys.commit(c.getRepo(), c.getSha()), c));
                }
                for (IssueEvent i : FixtureEvents.issues("org/issues", RecordedFixturesTopologyTest.ISSUES + ".json")) {
                    issues.send(new ProducerRecord<>(Topics.ISSUES, RecordKeys.issue(i.getRepo(), i.getNumber()), i));
                }
            }
            // What a producer reports (issue 17): org/tidbit up to date, org/pending tracked and backfilling, nothing counted;
            // org/issues is counted but tracked by no producer.
            try (KafkaProducer<String, RepositoryState> states = BrokerTopics.producer(broker, AvroSerdes.repositoryState().serializer())) {
                states.send(new ProducerRecord<>(Topics.REPOSITORY_STATE, "org/tidbit", state("org/tidbit", IngestStateKind.UP_TO_DATE,
                        Instant.parse("2026-11-01T10:00:00Z"), new ListingIngestProgress("commits", 1L, 1L, 30L, 100.0, 0L, true))));
                states.send(new ProducerRecord<>(Topics.REPOSITORY_STATE, "org/pending", state("org/pending", IngestStateKind.BACKFILLING,
                        null, new ListingIngestProgress("commits", 2L, 5L, 200L, 40.0, 30L, false))));
            }
            StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .applicationId("dashboard-" + System.nanoTime()).stateDir(dir.resolve("state")).build();
            try (MonthlyActivityApp app = new MonthlyActivityApp(config).start()) {
                app.awaitRunning(Duration.ofSeconds(60));
                String base = "http://127.0.0.1:" + app.httpPort();
                HttpClient http = HttpClient.newHttpClient();
                String untracked = "\"state\":null,\"reason\":null,\"last_successful_poll\":null,\"reported_at\":null,\"listings\":[],";
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(http, base + "/repos")).isEqualTo(
                        "{\"repos\":[{\"repo\":\"org/issues\"," + untracked + "\"months\":1,\"first_month\":\"2022-07\",\"last_month\":\"2022-07\","
                                + "\"updated_at\":\"" + updatedAt(http, base, "org/issues", List.of("2022-07")) + "\"},"
                                + "{\"repo\":\"org/pending\",\"state\":\"backfilling\",\"reason\":null,\"last_successful_poll\":null,"
                                + "\"reported_at\":\"2026-11-29T12:00:00Z\",\"listings\":[{\"listing\":\"commits\",\"page\":2,\"total_pages\":5,"
                                + "\"items\":200,\"percent\":40.0,\"eta_seconds\":30,\"done\":false}],"
                                + "\"months\":0,\"first_month\":null,\"last_month\":null,\"updated_at\":null},"
                                + "{\"repo\":\"org/tidbit\",\"state\":\"up to date\",\"reason\":null,\"last_successful_poll\":\"2026-11-01T10:00:00Z\","
                                + "\"reported_at\":\"2026-11-29T12:00:00Z\",\"listings\":[{\"listing\":\"commits\",\"page\":1,\"total_pages\":1,"
                                + "\"items\":30,\"percent\":100.0,\"eta_seconds\":0,\"done\":true}],"
                                + "\"months\":2,\"first_month\":\"2018-04\",\"last_month\":\"2018-06\","
                                + "\"updated_at\":\"" + updatedAt(http, base, "org/tidbit", List.of("2018-04", "2018-06")) + "\"}]}"));
                HttpResponse<String> pending = http.send(HttpRequest.newBuilder(URI.create(base + "/repos/org/pending/months")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(pending.statusCode()).isEqualTo(202);
                assertThat(pending.body()).isEqualTo("{\"repo\":\"org/pending\",\"state\":\"backfilling\",\"reason\":null,"
                        + "\"last_successful_poll\":null,\"reported_at\":\"2026-11-29T12:00:00Z\",\"listings\":[{\"listing\":\"commits\","
                        + "\"page\":2,\"total_pages\":5,\"items\":200,\"percent\":40.0,\"eta_seconds\":30,\"done\":false}]}");
                await().atMost(Duration.ofSeconds(30)).until(() -> get(http, base + "/repos/org/tidbit/months").contains("\"2018-06\""));
                // A month is listed from its first count on; the page must open on the final one (was flaky under load: 6 of 13).
                await().atMost(Duration.ofSeconds(60)).until(() -> get(http, base + "/repos/org/issues/months").matches("(?s).*\"issues_opened\":13[,}].*"));

                String metrics = get(http, base + "/metrics");
                assertThat(metrics).contains("ghactivity_streams_records_skipped_total 0.0")
                        .containsPattern("(?m)^ghactivity_kafka_stream_thread_commit_total\\{");
                assertThat(metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()))
                        .allMatch(l -> l.startsWith("ghactivity_"));

                ChromeDriver browser = browser();
                try {
                    browser.get(base + "/");
                    JavascriptExecutor js = browser;
                    // org/issues sorts first, so the page opens on it: one month, so one point per series.
                    await().atMost(Duration.ofSeconds(30)).until(() -> "org/issues".equals(
                            js.executeScript("return document.body.dataset.shownRepo")));
                    assertThat(points(js, "chart-issues")).isEqualTo(List.of("2022-07"));
                    assertThat(js.executeScript("return Chart.getChart('chart-issues').data.datasets[0].data"))
                            .isEqualTo(List.of(13L));
                    assertThat(new Select(browser.findElement(By.id("repo-picker"))).getOptions()).extracting(e -> e.getText())
                            .containsExactly("org/issues", "org/pending (backfilling)", "org/tidbit (up to date)");

                    // Tracked, nothing counted (202): empty charts, and where its backfill stands.
                    new Select(browser.findElement(By.id("repo-picker"))).selectByValue("org/pending");
                    await().atMost(Duration.ofSeconds(30)).until(() -> "org/pending".equals(
                            js.executeScript("return document.body.dataset.shownRepo")));
                    assertThat(points(js, "chart-commits")).isEmpty();
                    assertThat(browser.findElement(By.id("state")).getText())
                            .isEqualTo("org/pending: nothing counted yet; backfilling commits 40 %, ETA 30 s");

                    new Select(browser.findElement(By.id("repo-picker"))).selectByValue("org/tidbit");
                    await().atMost(Duration.ofSeconds(30)).until(() -> "org/tidbit".equals(
                            js.executeScript("return document.body.dataset.shownRepo")));
                    assertThat(points(js, "chart-commits")).isEqualTo(List.of("2018-04", "2018-06"));
                    assertThat(js.executeScript("return Chart.getChart('chart-commits').data.datasets[0].data"))
                            .isEqualTo(List.of(10L, 20L));
                    assertThat(browser.findElements(By.cssSelector("#months tbody tr"))).extracting(e -> e.getText())
                            .containsExactly("2018-04 10 " + authors(http, base, "2018-04") + " 0 0 0 0",
                                    "2018-06 20 " + authors(http, base, "2018-06") + " 0 0 0 0");

                    Path shot = Path.of("target", "dashboard-org-tidbit.png");
                    Files.createDirectories(shot.getParent());
                    Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot,
                            StandardCopyOption.REPLACE_EXISTING);
                    List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                            .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
                    assertThat(errors).as("browser console warnings and errors").isEmpty();
                } finally {
                    browser.quit();
                }
            }
        }
    }

    private static ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=1280,1400");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @SuppressWarnings("unchecked")
    private static List<String> points(JavascriptExecutor js, String chart) {
        return (List<String>) js.executeScript("return Chart.getChart('" + chart + "').data.labels");
    }

    private static RepositoryState state(String repo, IngestStateKind kind, Instant lastSuccess, ListingIngestProgress listing) {
        return RepositoryState.newBuilder().setRepo(repo).setState(kind).setReason(null).setLastSuccessfulPoll(lastSuccess)
                .setReportedAt(Instant.parse("2026-11-29T12:00:00Z")).setProducer("ghactivity-producer").setListings(List.of(listing)).build();
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static String updatedAt(HttpClient http, String base, String repo, List<String> months) throws Exception {
        String latest = "";
        for (String month : months) {
            String at = FixtureEvents.JSON.readTree(get(http, base + "/repos/" + repo + "/months/" + month)).path("updated_at").asText();
            latest = at.compareTo(latest) > 0 ? at : latest;
        }
        return latest;
    }

    private static long authors(HttpClient http, String base, String month) throws Exception {
        return FixtureEvents.JSON.readTree(get(http, base + "/repos/org/tidbit/months/" + month)).get("commit_authors").asLong();
    }
}
