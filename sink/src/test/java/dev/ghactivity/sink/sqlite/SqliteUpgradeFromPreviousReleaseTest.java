package dev.ghactivity.sink.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.schemas.AvroSerdes;
import dev.ghactivity.schemas.MonthlyActivity;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.sink.Rows;
import dev.ghactivity.sink.TestSinkContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a database made by the previous release (its DDL as released, with a row and the seed views) gains the
 * new columns in place when the sink starts: the old row keeps its values (new counts 0, percentiles NULL), the views
 * stay as they were, and new rows carry every field.
 */
class SqliteUpgradeFromPreviousReleaseTest {
    /** The previous release's schema, verbatim. */
    private static final List<String> PREVIOUS_RELEASE_DDL = List.of(
            "CREATE TABLE IF NOT EXISTS monthly_activity (repo TEXT NOT NULL, month TEXT NOT NULL, commits INTEGER NOT NULL, "
                    + "commit_authors INTEGER NOT NULL, issues_opened INTEGER NOT NULL, issues_closed INTEGER NOT NULL, "
                    + "prs_opened INTEGER NOT NULL, prs_merged INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (repo, month))",
            "CREATE VIEW IF NOT EXISTS aggregate_commits AS SELECT repo, month, commits AS commit_count FROM monthly_activity WHERE commits > 0",
            "CREATE VIEW IF NOT EXISTS aggregate_issues AS SELECT repo, month, issues_opened AS issue_count FROM monthly_activity WHERE issues_opened > 0");

    @TempDir
    Path dir;

    @Test
    void aPreviousReleasesDatabaseGainsTheNewColumnsInPlace() throws Exception {
        Path db = dir.resolve("ghactivity.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String ddl : PREVIOUS_RELEASE_DDL) {
                s.execute(ddl);
            }
            s.execute("INSERT INTO monthly_activity VALUES ('octo/repo', '2024-01', 5, 2, 1, 0, 3, 1, '2026-11-01T00:00:00Z')");
        }
        Map<String, String> viewsBefore = query(db, "SELECT name, sql FROM sqlite_master WHERE type = 'view'");

        SqliteSinkTask task = new SqliteSinkTask();
        task.initialize(new TestSinkContext(false));
        task.start(Map.of(SqliteSinkConfig.PATH, db.toString()));
        try {
            MonthlyActivity february = MonthlyActivity.newBuilder().setRepo("octo/repo").setMonth("2024-02").setCommits(4)
                    .setCommitAuthors(2).setIssuesOpened(1).setIssuesClosed(1).setPrsOpened(2).setPrsMerged(1)
                    .setPrsClosedUnmerged(1).setPrMergeHoursP50(12.5).setPrMergeHoursP90(12.5)
                    .setIssueCloseHoursP50(null).setIssueCloseHoursP90(null).setBotCommits(1).setNewContributors(1)
                    .setUpdatedAt(Instant.parse("2026-11-29T00:00:00Z")).build();
            task.put(List.of(Rows.converted(0, 0, RecordKeys.monthly("octo/repo", "2024-02"), AvroSerdes.monthlyActivity().encode(february))));
            task.preCommit(Map.of());
            task.flush(Map.of());
        } finally {
            task.stop();
        }

        assertThat(columns(db)).containsExactly("repo", "month", "commits", "commit_authors", "issues_opened", "issues_closed",
                "prs_opened", "prs_merged", "updated_at", "prs_closed_unmerged", "pr_merge_hours_p50", "pr_merge_hours_p90",
                "issue_close_hours_p50", "issue_close_hours_p90", "bot_commits", "new_contributors");
        assertThat(query(db, "SELECT repo, month, commits, commit_authors, issues_opened, issues_closed, prs_opened, prs_merged, "
                + "prs_closed_unmerged, pr_merge_hours_p50, pr_merge_hours_p90, issue_close_hours_p50, issue_close_hours_p90, "
                + "bot_commits, new_contributors, updated_at FROM monthly_activity")).isEqualTo(Map.of(
                "octo/repo|2024-01", "5,2,1,0,3,1,0,null,null,null,null,0,0,2026-11-01T00:00:00Z",
                "octo/repo|2024-02", "4,2,1,1,2,1,1,12.5,12.5,null,null,1,1,2026-11-29T00:00:00Z"));
        assertThat(query(db, "SELECT name, sql FROM sqlite_master WHERE type = 'view'")).isEqualTo(viewsBefore).hasSize(2);
        assertThat(query(db, "SELECT repo, month, commit_count FROM aggregate_commits"))
                .isEqualTo(Map.of("octo/repo|2024-01", "5", "octo/repo|2024-02", "4"));
    }

    private static List<String> columns(Path db) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA table_info(monthly_activity)")) {
            while (rs.next()) {
                names.add(rs.getString("name"));
            }
        }
        return names;
    }

    /** First two columns joined by | as the key (a view's name alone when there is one more), the rest by commas. */
    private static Map<String, String> query(Path db, String sql) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                if (n == 2) {
                    rows.put(rs.getString(1), rs.getString(2));
                    continue;
                }
                StringBuilder value = new StringBuilder();
                for (int i = 3; i <= n; i++) {
                    value.append(i > 3 ? "," : "").append(rs.getString(i));
                }
                rows.put(rs.getString(1) + "|" + rs.getString(2), value.toString());
            }
        }
        return rows;
    }
}
