package dev.ghactivity.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.schemas.IngestCursor;
import dev.ghactivity.schemas.RecordKeys;
import dev.ghactivity.schemas.RepositoryName;
import dev.ghactivity.schemas.Topics;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GitHub repository, by its {@code id}, is counted under one key ({@code owner/name} of its records, cursors and
 * monthly rows). A rename or transfer keeps the id and makes GitHub redirect the old name's API URLs to
 * {@code /repositories/{id}/...} for as long as no new repository takes the old name (docs.github.com: "Renaming a
 * repository", and REST API best practices, "Follow redirects"), so both the old and the new name can be read; reading
 * both would count the whole history twice.
 *
 * <p>The key an id is counted under, decided once per process: the one name among them that has cursors on
 * {@value Topics#INGEST_STATE} (it holds the records published so far); when none has, GitHub's current name if it
 * is tracked, else the name being polled; when several have (written before this rule), GitHub's current name. Any
 * other name of that id is refused ({@link #admit}, outcome {@code moved}) with one line saying where it is counted.
 *
 * <p>Ids come from the cursors (field {@code repository_id}), from discovery's owner listings and redirects, free,
 * and else from one {@code GET /repos/{owner}/{name}} per name and process (then kept in the name's cursors, so once
 * per name). Cursors written before the field existed get it at their name's next poll; a name not polled since then
 * (no longer configured) cannot be matched to its new name.
 */
final class RepositoryIdentities {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryIdentities.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GitHubClient client;
    private final HttpUrl apiUrl;
    private final IngestCursorStore cursors;
    private final Supplier<java.util.List<RepositoryName>> tracked;
    /** Name -> repository id, learnt from lookups, redirects and discovery (cursors hold the rest). */
    private final Map<RepositoryName, Long> ids = new ConcurrentHashMap<>();
    /** Repository id -> GitHub's current full name, as a lookup, a redirect or an owner listing gave it. */
    private final Map<Long, RepositoryName> currentNames = new ConcurrentHashMap<>();
    /** Repository id -> the key it is counted under in this process. */
    private final Map<Long, RepositoryName> countedUnder = new HashMap<>();
    /** Names refused so far: their line is logged once per process, the report says it at every poll. */
    private final Set<RepositoryName> refusedLogged = ConcurrentHashMap.newKeySet();

    RepositoryIdentities(GitHubClient client, HttpUrl apiUrl, IngestCursorStore cursors, Supplier<java.util.List<RepositoryName>> tracked) {
        this.client = client;
        this.apiUrl = apiUrl;
        this.cursors = cursors;
        this.tracked = tracked;
    }

    /** GitHub gave {@code id} the current name {@code name} (an owner listing, a redirect's lookup). */
    void learn(RepositoryName name, long id) {
        ids.put(name, id);
        currentNames.put(id, name);
    }

    /** {@code name} (an old name GitHub redirected) is the repository {@code id}. */
    void redirected(RepositoryName name, long id) {
        ids.putIfAbsent(name, id);
    }

    /** The key repository {@code id} is counted under in this process, once a poll or a discovery decided it; else null. */
    synchronized RepositoryName countedUnder(long id) {
        return countedUnder.get(id);
    }

    /** GitHub's current full name of repository {@code id}, if a look-up, a redirect or a listing gave it; else null. */
    RepositoryName currentName(long id) {
        return currentNames.get(id);
    }

    /** The id of {@code repo} if known without asking GitHub: from its cursors or learnt; null otherwise. */
    Long knownId(RepositoryName repo) {
        Long id = ids.get(repo);
        if (id != null) {
            return id;
        }
        for (String endpoint : new String[] {RecordKeys.COMMITS_ENDPOINT, RecordKeys.ISSUES_ENDPOINT}) {
            IngestCursor cursor = cursors.get(RecordKeys.cursor(repo.fullName(), endpoint));
            if (cursor != null && cursor.getRepositoryId() != null) {
                return cursor.getRepositoryId();
            }
        }
        return null;
    }

    /**
     * The key a discovered repository ({@code listed}, GitHub's current name, with {@code id}) is tracked under: the
     * name that has its cursors if another one has, else {@code listed}.
     */
    synchronized RepositoryName keyFor(RepositoryName listed, long id) {
        learn(listed, id);
        RepositoryName key = decide(listed, id);
        if (!key.equals(listed) && refusedLogged.add(listed)) {
            LOG.info("{} (repository id {}) is counted under {}, the name its cursors on {} have (renamed or transferred since); "
                    + "it is polled under that name, GitHub redirects it", listed, id, key, Topics.INGEST_STATE);
        }
        return key;
    }

    /**
     * Lets {@code repo} be polled, or refuses it when its repository is counted under another name. Asks GitHub for
     * the id when neither its cursors nor a listing gave it (one request, counted to {@code repo}).
     *
     * @return the repository id, or null when GitHub gave none (the listing itself then reports what is wrong)
     * @throws RepositoryUnavailableException (301, outcome {@code moved}) when {@code repo} is another name of a repository
     *                                        counted under a different key
     * @throws GitHubApiException             when the lookup failed after its retries (5xx and the like)
     * @throws GitHubAppInstallations.NotInstalledException when the GitHub App is not installed on its owner
     */
    Long admit(RepositoryName repo) throws InterruptedException {
        Long id = knownId(repo);
        if (id == null) {
            id = lookUp(repo);
            if (id == null) {
                return null;
            }
        }
        RepositoryName key;
        synchronized (this) {
            key = decide(repo, id);
        }
        if (key.equals(repo)) {
            return id;
        }
        boolean keyTracked = tracked.get().contains(key);
        String message = "this GitHub repository (id " + id + ") is counted under " + key + " ("
                + (hasCursors(key) ? "its cursors on " + Topics.INGEST_STATE : "GitHub's current name") + "); not read under "
                + repo + " as well, so it is counted once (rows under " + repo + ", if any, stay as they are): "
                + (keyTracked ? "remove --repo " + repo : "give --repo " + key + " instead of --repo " + repo
                        + (key.equals(currentNames.get(id)) ? "" : " (GitHub redirects the old name)"));
        if (refusedLogged.add(repo)) {
            LOG.error("{}: {}", repo, message);
        }
        throw new RepositoryUnavailableException(301, message);
    }

    /** See the class comment; the decision is kept for the process so concurrent polls of two names agree. */
    private RepositoryName decide(RepositoryName repo, long id) {
        RepositoryName decided = countedUnder.get(id);
        if (decided != null) {
            return decided;
        }
        Set<RepositoryName> withCursors = new TreeSet<>();
        for (IngestCursor cursor : cursors.all()) {
            if (!RepositoryName.isValid(cursor.getRepo())) {
                continue; // not one of ours: every cursor this producer writes names a valid repository
            }
            RepositoryName name = RepositoryName.parse(cursor.getRepo());
            Long cursorId = cursor.getRepositoryId() != null ? cursor.getRepositoryId() : ids.get(name);
            if (cursorId != null && cursorId == id) {
                withCursors.add(name);
            }
        }
        if (hasCursors(repo)) {
            withCursors.add(repo); // its cursors are older than the field: the id was just looked up
        }
        RepositoryName current = currentNames.get(id);
        if (withCursors.size() == 1) {
            decided = withCursors.iterator().next();
        } else if (withCursors.size() > 1) {
            decided = current != null && withCursors.contains(current) ? current
                    : withCursors.contains(repo) ? repo : withCursors.iterator().next();
        } else {
            decided = current != null && tracked.get().contains(current) ? current : repo;
        }
        countedUnder.put(id, decided);
        return decided;
    }

    private boolean hasCursors(RepositoryName repo) {
        return cursors.get(RecordKeys.cursor(repo.fullName(), RecordKeys.COMMITS_ENDPOINT)) != null
                || cursors.get(RecordKeys.cursor(repo.fullName(), RecordKeys.ISSUES_ENDPOINT)) != null;
    }

    /** {@code GET /repos/{owner}/{name}} (redirects followed): its {@code id} and {@code full_name}; null if it gives no id. */
    private Long lookUp(RepositoryName repo) throws InterruptedException {
        HttpUrl url = apiUrl.newBuilder().addPathSegment("repos").addPathSegment(repo.owner()).addPathSegment(repo.name()).build();
        GitHubPage page;
        try {
            page = client.get(url, null, repo.fullName());
        } catch (GitHubAppInstallations.NotInstalledException e) {
            throw e; // no listing of it can be read either: reported as such, without asking for them
        } catch (RepositoryUnavailableException e) {
            return null; // gone, moved to another host, no access: its listings say so in their own words
        }
        JsonNode body;
        try {
            body = JSON.readTree(page.body());
        } catch (IOException e) {
            LOG.warn("{}: GET {} is not JSON; its repository id is unknown, so another name of it is not recognised", repo,
                    GitHubClient.describe(url));
            return null;
        }
        if (!body.path("id").canConvertToLong()) {
            LOG.warn("{}: GET {} gives no repository id; another name of it is not recognised", repo, GitHubClient.describe(url));
            return null;
        }
        long id = body.path("id").asLong();
        ids.put(repo, id);
        String fullName = body.path("full_name").asText("");
        if (RepositoryName.isValid(fullName)) {
            currentNames.put(id, RepositoryName.parse(fullName));
        }
        return id;
    }
}
