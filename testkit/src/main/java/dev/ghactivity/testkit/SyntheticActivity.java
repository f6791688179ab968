package dev.ghactivity.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Deterministic synthetic history of one repository: {@code commits} commits and {@code issues} issues
 * (a quarter of them pull requests) spread evenly over ten years, generated item by item on request, so a
 * million commits cost no memory. Item JSON has the fields and roughly the size of real GitHub items.
 */
public final class SyntheticActivity {
    private static final Instant START = Instant.parse("2014-01-01T00:00:00Z");
    private static final Duration SPAN = Duration.ofDays(3650);
    private static final int AUTHORS = 37;

    private final String repo;
    private final int commits;
    private final int issues;
    private final long seed;
    private final long commitStepMillis;
    private final long issueStepMillis;

    public SyntheticActivity(String repo, int commits, int issues, long seed) {
        this.repo = repo;
        this.commits = commits;
        this.issues = issues;
        this.seed = seed;
        this.commitStepMillis = Math.max(1, SPAN.toMillis() / Math.max(1, commits));
        this.issueStepMillis = Math.max(1, SPAN.toMillis() / Math.max(1, issues));
    }

    public int commits() {
        return commits;
    }

    public int issues() {
        return issues;
    }

    // --- commits: chronological index i; the API lists them newest first ---

    Instant committerDate(int i) {
        return START.plusMillis(i * commitStepMillis + seed % 1000);
    }

    Instant authorDate(int i) {
        // Authored up to two hours before it was committed: sometimes in the previous month.
        return committerDate(i).minusSeconds((i % 3) * 3600L);
    }

    String sha(int i) {
        long h = mix(seed * 31 + i);
        long h2 = mix(h ^ 0x9E3779B97F4A7C15L);
        return String.format("%016x%016x%08x", h, h2, (int) mix(h2));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    String authorLogin(int i) {
        int a = i % AUTHORS;
        return a % 5 == 4 ? null : "dev" + a; // some authors have no linked account: counted by e-mail
    }

    String authorEmail(int i) {
        return "dev" + (i % AUTHORS) + "@example.org";
    }

    String commitJson(int i) {
        String sha = sha(i);
        String login = authorLogin(i);
        String user = login == null ? "null" : userJson(login, 1000 + i % AUTHORS);
        String base = "https://api.github.com/repos/" + repo;
        return "{\"sha\":\"" + sha + "\",\"node_id\":\"C_kwDO" + sha.substring(0, 20) + "\",\"commit\":{\"author\":{\"name\":\"Developer "
                + (i % AUTHORS) + "\",\"email\":\"" + authorEmail(i) + "\",\"date\":\"" + authorDate(i) + "\"},\"committer\":{\"name\":\"GitHub\","
                + "\"email\":\"noreply@github.com\",\"date\":\"" + committerDate(i) + "\"},\"message\":\"Change number " + i
                + " of the synthetic history\\n\\nA longer body explaining the change in a few words.\",\"tree\":{\"sha\":\"" + sha(i + 7)
                + "\",\"url\":\"" + base + "/git/trees/" + sha(i + 7) + "\"},\"url\":\"" + base + "/git/commits/" + sha
                + "\",\"comment_count\":0,\"verification\":{\"verified\":false,\"reason\":\"unsigned\",\"signature\":null,\"payload\":null}},"
                + "\"url\":\"" + base + "/commits/" + sha + "\",\"html_url\":\"https://github.com/" + repo + "/commit/" + sha
                + "\",\"comments_url\":\"" + base + "/commits/" + sha + "/comments\",\"author\":" + user + ",\"committer\":"
                + userJson("web-flow", 19864447) + ",\"parents\":[{\"sha\":\"" + sha(i - 1) + "\",\"url\":\"" + base + "/commits/" + sha(i - 1)
                + "\",\"html_url\":\"https://github.com/" + repo + "/commit/" + sha(i - 1) + "\"}]}";
    }

    private static String userJson(String login, int id) {
        String u = "https://api.github.com/users/" + login;
        return "{\"login\":\"" + login + "\",\"id\":" + id + ",\"node_id\":\"MDQ6VXNlcj" + id + "\",\"avatar_url\":\"https://avatars.githubusercontent.com/u/"
                + id + "?v=4\",\"gravatar_id\":\"\",\"url\":\"" + u + "\",\"html_url\":\"https://github.com/" + login + "\",\"followers_url\":\"" + u
                + "/followers\",\"repos_url\":\"" + u + "/repos\",\"type\":\"User\",\"site_admin\":false}";
    }

    // --- issues: chronological index i; updated_at grows with i, so the API's sort=updated is index order ---

    Instant createdAt(int i) {
        return START.plusMillis(i * issueStepMillis + seed % 1000);
    }

    Instant updatedAt(int i) {
        return createdAt(i).plus(Duration.ofDays(40));
    }

    boolean isPullRequest(int i) {
        return i % 4 == 0;
    }

    Instant closedAt(int i) {
        return i % 3 == 0 ? createdAt(i).plus(Duration.ofDays(20)) : null;
    }

    Instant mergedAt(int i) {
        return isPullRequest(i) && i % 3 == 0 && i % 2 == 0 ? closedAt(i) : null;
    }

    String issueJson(int i) {
        int number = i + 1;
        String base = "https://api.github.com/repos/" + repo;
        String pr = isPullRequest(i)
                ? ",\"pull_request\":{\"url\":\"" + base + "/pulls/" + number + "\",\"html_url\":\"https://github.com/" + repo + "/pull/" + number
                + "\",\"diff_url\":null,\"patch_url\":null,\"merged_at\":" + quoted(mergedAt(i)) + "}"
                : "";
        Instant closed = closedAt(i);
        return "{\"url\":\"" + base + "/issues/" + number + "\",\"repository_url\":\"" + base + "\",\"html_url\":\"https://github.com/" + repo
                + "/issues/" + number + "\",\"id\":" + (500000 + i) + ",\"node_id\":\"I_kwDOsynth" + i + "\",\"number\":" + number
                + ",\"title\":\"Synthetic issue " + number + " about something that needs doing\",\"user\":" + userJson("dev" + (i % AUTHORS), 1000 + i % AUTHORS)
                + ",\"labels\":[{\"id\":1,\"name\":\"" + (i % 2 == 0 ? "bug" : "enhancement") + "\",\"color\":\"d73a4a\",\"default\":true}],\"state\":\""
                + (closed == null ? "open" : "closed") + "\",\"locked\":false,\"assignee\":null,\"assignees\":[],\"milestone\":null,\"comments\":" + (i % 7)
                + ",\"created_at\":\"" + createdAt(i) + "\",\"updated_at\":\"" + updatedAt(i) + "\",\"closed_at\":" + quoted(closed)
                + ",\"author_association\":\"CONTRIBUTOR\",\"active_lock_reason\":null,\"body\":\"Steps to reproduce, expected and actual behaviour.\""
                + pr + ",\"state_reason\":" + (closed == null ? "null" : "\"completed\"") + "}";
    }

    private static String quoted(Instant t) {
        return t == null ? "null" : "\"" + t + "\"";
    }

    // --- what the pipeline must count ---

    /** Per month (UTC, author date): commits, distinct authors, issues opened/closed, PRs opened/merged. */
    public Map<String, long[]> expectedMonthlyCounts() {
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, Set<String>> authors = new HashMap<>();
        for (int i = 0; i < commits; i++) {
            String month = month(authorDate(i));
            counts.computeIfAbsent(month, m -> new long[6])[0]++;
            String login = authorLogin(i);
            authors.computeIfAbsent(month, m -> new HashSet<>()).add(login != null ? "login:" + login : "email:" + authorEmail(i));
        }
        authors.forEach((month, set) -> counts.get(month)[1] = set.size());
        for (int i = 0; i < issues; i++) {
            boolean pr = isPullRequest(i);
            counts.computeIfAbsent(month(createdAt(i)), m -> new long[6])[pr ? 4 : 2]++;
            Instant resolved = pr ? mergedAt(i) : closedAt(i);
            if (resolved != null) {
                counts.computeIfAbsent(month(resolved), m -> new long[6])[pr ? 5 : 3]++;
            }
        }
        return counts;
    }

    private static String month(Instant t) {
        return YearMonth.from(t.atOffset(ZoneOffset.UTC)).toString();
    }
}
