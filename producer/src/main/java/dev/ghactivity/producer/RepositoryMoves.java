package dev.ghactivity.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.schemas.RepositoryName;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listing GitHub redirected: the repository was renamed or transferred (GitHub then answers
 * {@code /repos/{old}/...} with a redirect to {@code /repositories/{id}/...}, docs.github.com REST API best practices,
 * "Follow redirects"). Its events stay keyed under the name polled: the cursor, the records already published and the
 * monthly rows all use that key, so following the new name would count the history a second time under it. Which of
 * a repository's names is polled at all is {@link RepositoryIdentities}' rule; here the new name is looked up, logged
 * and handed to it.
 */
final class RepositoryMoves {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryMoves.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BY_NAME = Pattern.compile("/repos/([^/]+)/([^/]+)(/.*)?$");
    private static final Pattern BY_ID = Pattern.compile("/repositories/(\\d+)(/.*)?$");

    private final GitHubClient client;
    private final RepositoryIdentities identities;
    /** Repository id -> full name, as GitHub gave it (asked once per id). */
    private final java.util.Map<String, String> namesById = new java.util.concurrent.ConcurrentHashMap<>();

    RepositoryMoves(GitHubClient client, RepositoryIdentities identities) {
        this.client = client;
        this.identities = identities;
    }

    /** Logs where {@code repo} now lives; the redirect's id is {@code repo}'s. */
    void moved(RepositoryName repo, String endpoint, HttpUrl target) throws InterruptedException {
        String newName = newName(repo, target);
        Matcher byId = BY_ID.matcher(target.encodedPath());
        if (byId.find()) {
            identities.redirected(repo, Long.parseLong(byId.group(1)));
        }
        LOG.info("{} {}: GitHub redirects it to {}: the repository is now {} (renamed or transferred); its events stay under "
                + "{}, the name it is counted under, so that it is counted once", repo.fullName(), endpoint, GitHubClient.describe(target),
                newName == null ? "under a name GitHub did not give" : newName, repo.fullName());
    }

    /** The full name at the redirect target: in its path, or asked of {@code GET /repositories/{id}}; null if unknown. */
    private String newName(RepositoryName repo, HttpUrl target) throws InterruptedException {
        Matcher byName = BY_NAME.matcher(target.encodedPath());
        if (byName.find()) {
            return byName.group(1) + "/" + byName.group(2);
        }
        Matcher byId = BY_ID.matcher(target.encodedPath());
        if (!byId.find()) {
            return null;
        }
        String known = namesById.get(byId.group(1));
        if (known != null) {
            return known;
        }
        RepositoryName looked = identities.currentName(Long.parseLong(byId.group(1)));
        if (looked != null) {
            return looked.fullName(); // the repository id look-up followed the same redirect: no second request
        }
        HttpUrl url = target.newBuilder().encodedPath(target.encodedPath().substring(0, byId.start())
                + "/repositories/" + byId.group(1)).query(null).build();
        try {
            JsonNode fullName = JSON.readTree(client.get(url, null, repo.fullName()).body()).path("full_name");
            if (fullName.isTextual() && !fullName.asText().isBlank()) {
                namesById.put(byId.group(1), fullName.asText());
                return fullName.asText();
            }
            return null;
        } catch (IOException | RepositoryUnavailableException e) {
            return null; // the name is for the log and the check of duplicates only
        }
    }
}
