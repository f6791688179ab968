package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.Topics;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each recorded fixture through the topology gives exactly its expected-counts.json. */
class RecordedFixturesTopologyTest {
    static final String ISSUES = "octokit-fixtures__paginate-issues__raw-fixture";
    static final String TIDBIT = "viva-doc__code-tidbit__commits__body-only__2018-04_to_2018-06";
    static final String EXAMPLE_COMMITS = "openapi-example__repos-list-commits__commit-items";
    static final String EXAMPLE_ISSUES = "openapi-example__issues-list-for-repo__issue-items";

    private TopologyTestDriver driver;
    private Map<String, MonthlyActivity> output;

    @BeforeEach
    void start() {
        StreamsAppConfig config = StreamsAppConfig.builder().bootstrapServers("unused:9092").applicationId("fixtures").build();
        driver = new TopologyTestDriver(MonthlyActivityTopology.build(config), config.toStreamsProperties());
        TestInputTopic<String, CommitEvent> commits = driver.createInputTopic(Topics.COMMITS, new StringSerializer(), AvroSerdes.commitEvent().serializer());
        TestInputTopic<String, IssueEvent> issues = driver.createInputTopic(Topics.ISSUES, new StringSerializer(), AvroSerdes.issueEvent().serializer());
        FixtureEvents.issues("org/issues", ISSUES + ".json").forEach(i -> issues.pipeInput(RecordKeys.issue(i.getRepo(), i.getNumber()), i));
        FixtureEvents.commits("org/tidbit", TIDBIT + ".json").forEach(c -> commits.pipeInput(RecordKeys.commit(c.getRepo(), c.getSha()), c));
        FixtureEvents.commits("org/example", EXAMPLE_COMMITS + ".json").forEach(c -> commits.pipeInput(RecordKeys.commit(c.getRepo(), c.getSha()), c));
        FixtureEvents.issues("org/example", EXAMPLE_ISSUES + ".json").forEach(i -> issues.pipeInput(RecordKeys.issue(i.getRepo(), i.getNumber()), i));
        driver.advanceWallClockTime(MonthlyAggregator.EMIT_INTERVAL); // the aggregator emits the pending months
        output = driver.createOutputTopic(Topics.MONTHLY_ACTIVITY, new StringDeserializer(), AvroSerdes.monthlyActivity().deserializer())
                .readKeyValuesToMap();
    }

    @AfterEach
    void close() {
        driver.close();
    }

    private Map<String, Long> column(ToLongFunction<MonthlyActivity> f) {
        Map<String, Long> result = new TreeMap<>();
        output.forEach((k, v) -> {
            if (v != null && f.applyAsLong(v) > 0) {
                result.put(k, f.applyAsLong(v));
            }
        });
        return result;
    }

    @Test
    void commitsPerMonthAreExactlyTheFixturesExpectedCounts() {
        Map<String, Long> expected = new TreeMap<>();
        expected.putAll(FixtureEvents.expected("org/tidbit", TIDBIT, "commits_by_author_date_month_utc"));
        expected.putAll(FixtureEvents.expected("org/example", EXAMPLE_COMMITS, "commits_by_author_date_month_utc"));
        assertThat(column(MonthlyActivity::getCommits)).isEqualTo(expected);
    }

    @Test
    void issuesAndPullRequestsOpenedPerMonthAreExactlyTheFixturesExpectedCounts() {
        Map<String, Long> issues = new TreeMap<>();
        issues.putAll(FixtureEvents.expected("org/issues", ISSUES, "issues_excluding_prs_by_created_month_utc"));
        issues.putAll(FixtureEvents.expected("org/example", EXAMPLE_ISSUES, "issues_excluding_prs_by_created_month_utc"));
        Map<String, Long> prs = new TreeMap<>();
        prs.putAll(FixtureEvents.expected("org/issues", ISSUES, "pull_requests_by_created_month_utc"));
        prs.putAll(FixtureEvents.expected("org/example", EXAMPLE_ISSUES, "pull_requests_by_created_month_utc"));
        assertThat(column(MonthlyActivity::getIssuesOpened)).isEqualTo(issues).containsEntry("org/issues|2022-07", 13L);
        assertThat(column(MonthlyActivity::getPrsOpened)).isEqualTo(prs).containsEntry("org/example|2011-04", 1L);
    }

    @Test
    void theThirtyCommitPageHasItsDistinctAuthorsPerMonth() {
        Map<String, Long> authors = new TreeMap<>();
        for (CommitEvent c : FixtureEvents.commits("org/tidbit", TIDBIT + ".json")) {
            authors.merge("org/tidbit|" + Months.of(c.getAuthorDate(), java.time.ZoneOffset.UTC), 0L, Long::sum);
        }
        Map<String, java.util.Set<String>> distinct = new TreeMap<>();
        for (CommitEvent c : FixtureEvents.commits("org/tidbit", TIDBIT + ".json")) {
            distinct.computeIfAbsent("org/tidbit|" + Months.of(c.getAuthorDate(), java.time.ZoneOffset.UTC), k -> new java.util.TreeSet<>())
                    .add(AuthorIdentity.of(c).person());
        }
        distinct.forEach((k, v) -> authors.put(k, (long) v.size()));
        assertThat(column(MonthlyActivity::getCommitAuthors)).containsAllEntriesOf(authors);
        assertThat(authors.values()).allSatisfy(n -> assertThat(n).isPositive());
    }
}
