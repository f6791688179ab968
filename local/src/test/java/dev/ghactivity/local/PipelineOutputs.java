package dev.ghactivity.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.testkit.SyntheticActivity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads what the pipeline wrote: SQLite tables and views, S3 snapshot objects (plain files of the embedded server). */
final class PipelineOutputs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PipelineOutputs() {
    }

    /** {@code repo|month -> value of column} for every row of {@code sql} (columns: repo, month, value). */
    static Map<String, Long> sqliteCounts(Path db, String sql) {
        Map<String, Long> result = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                result.put(rs.getString(1) + "|" + rs.getString(2), rs.getLong(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + db + ": " + e.getMessage(), e);
        }
        return result;
    }

    /** Every row of monthly_activity as {@code repo|month -> all columns}. */
    static Map<String, String> sqliteRows(Path db) {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT repo, month, commits, commit_authors, issues_opened, issues_closed,"
                     + " prs_opened, prs_merged, updated_at FROM monthly_activity")) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 3; i <= 9; i++) {
                    row.append(rs.getString(i)).append(i < 9 ? "," : "");
                }
                result.put(rs.getString(1) + "|" + rs.getString(2), row.toString());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + db + ": " + e.getMessage(), e);
        }
        return result;
    }

    /** The counts a synthetic history must give, as {@code repo|month -> "commits,authors,opened,closed,prs opened,prs merged"}. */
    static Map<String, String> expectedRows(SyntheticActivity activity, String repo) {
        Map<String, String> rows = new TreeMap<>();
        activity.expectedMonthlyCounts().forEach((month, c) ->
                rows.put(repo + "|" + month, c[0] + "," + c[1] + "," + c[2] + "," + c[3] + "," + c[4] + "," + c[5]));
        return rows;
    }

    /** monthly_activity without updated_at, in the shape of {@link #expectedRows}. */
    static Map<String, String> sqliteCounts(Path db) {
        Map<String, String> rows = new TreeMap<>();
        sqliteRows(db).forEach((k, v) -> rows.put(k, v.substring(0, v.lastIndexOf(','))));
        return rows;
    }

    /** The S3 snapshot rows of the embedded server under {@code dataDir}, in the shape of {@link #expectedRows}. */
    static Map<String, String> s3Counts(Path dataDir) {
        Map<String, String> rows = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : s3SnapshotRows(dataDir.resolve("s3/ghactivity"), "monthly-activity").entrySet()) {
            JsonNode r = e.getValue();
            rows.put(e.getKey(), r.get("commits").asLong() + "," + r.get("commit_authors").asLong() + "," + r.get("issues_opened").asLong()
                    + "," + r.get("issues_closed").asLong() + "," + r.get("prs_opened").asLong() + "," + r.get("prs_merged").asLong());
        }
        return rows;
    }

    /** The snapshot objects under {@code s3Dir/bucket/prefix}: {@code repo|month -> JSON row}. */
    static Map<String, JsonNode> s3SnapshotRows(Path bucketDir, String prefix) {
        Map<String, JsonNode> rows = new TreeMap<>();
        Path root = bucketDir.resolve(prefix);
        if (!Files.isDirectory(root)) {
            return rows;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("part-\\d+\\.jsonl\\.gz")).toList()) {
                String monthDir = file.getParent().getFileName().toString();
                for (String line : gunzipLines(file)) {
                    JsonNode row = JSON.readTree(line);
                    String key = row.get("repo").asText() + "|" + row.get("month").asText();
                    if (!monthDir.equals("month=" + row.get("month").asText())) {
                        throw new IllegalStateException(file + " holds a row of another month: " + line);
                    }
                    if (rows.put(key, row) != null) {
                        throw new IllegalStateException("row " + key + " appears twice in the snapshot objects");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /**
     * {@code repo|month -> count} of one field ({@code commits_by_author_date_month_utc} and the like) of a
     * recorded fixture's {@code <fixture>.expected-counts.json} (testkit resources).
     */
    static Map<String, Long> expectedCounts(String fixture, String field, String repo) {
        String resource = "/fixtures/github/" + fixture + ".expected-counts.json";
        try (InputStream in = PipelineOutputs.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            Map<String, Long> result = new TreeMap<>();
            JSON.readTree(in).path(field).fields().forEachRemaining(e -> result.put(repo + "|" + e.getKey(), e.getValue().asLong()));
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The snapshot objects in a real S3 (MinIO): every object under {@code prefix} is downloaded into
     * {@code scratch} at its key, then read like the embedded server's files.
     */
    static Map<String, JsonNode> s3SnapshotRows(URI endpoint, String accessKey, String secretKey, String bucket,
                                                String prefix, Path scratch) {
        try (S3Client s3 = s3Client(endpoint, accessKey, secretKey)) {
            Path bucketDir = scratch.resolve("s3-" + System.nanoTime());
            for (S3Object object
                    : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + "/")).contents()) {
                Path file = bucketDir.resolve(object.key());
                Files.createDirectories(file.getParent());
                Files.write(file, s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asByteArray());
            }
            return s3SnapshotRows(bucketDir, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client of an S3-compatible server (MinIO) with path-style access. */
    static S3Client s3Client(URI endpoint, String accessKey, String secretKey) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    static Map<String, Long> column(Map<String, JsonNode> rows, String column) {
        Map<String, Long> result = new TreeMap<>();
        rows.forEach((k, v) -> {
            long value = v.get(column).asLong();
            if (value > 0) {
                result.put(k, value);
            }
        });
        return result;
    }

    private static List<String> gunzipLines(Path file) throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            return reader.lines().filter(l -> !l.isBlank()).toList();
        }
    }
}
