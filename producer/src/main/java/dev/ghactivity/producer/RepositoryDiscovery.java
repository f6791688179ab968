package dev.ghactivity.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ghactivity.schemas.RepositoryName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a {@link RepositorySelection} into repositories by reading the owners' repository listings
 * ({@code GET /orgs/{org}/repos?type=all}, {@code GET /users/{user}/repos?type=owner}, every page through
 * {@code Link rel="next"}; docs.github.com/rest/repos/repos). A glob's owner is read as an organization, and as a
 * user when GitHub answers 404 for that. A listed repository is tracked under the key its {@code id} is counted under
 * ({@link RepositoryIdentities#keyFor}): a renamed one goes on under the name its cursors have, in this process and
 * after a restart (its old URLs redirect, see {@link GitHubClient#get}).
 * Not thread-safe: one discovery at a time.
 */
final class RepositoryDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryDiscovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one discovery found, and the listings it could not read (their repositories are kept from before). */
    record Result(List<RepositoryName> repositories, List<Failure> failures) {
    }

    /** A listing that could not be read: why, and the requests sent for it in this discovery (retries included). */
    record Failure(String message, long requests) {
    }

    private record Listed(long id, RepositoryName name, boolean fork, boolean archived) {
    }

    private final RepositorySelection selection;
    private final GitHubClient client;
    private final HttpUrl apiUrl;
    private final int perPage;
    /** (listed name, id) -> the key it is tracked under. */
    private final java.util.function.BiFunction<RepositoryName, Long, RepositoryName> keys;
    /** What each owner listing gave last time it was read, kept when a later read fails. */
    private final Map<String, List<Listed>> lastListings = new HashMap<>();
    /** Every owner listing asked for so far, read or not (the client counts their requests under these labels). */
    private final Set<String> listingLabels = new java.util.HashSet<>();

    RepositoryDiscovery(RepositorySelection selection, GitHubClient client, HttpUrl apiUrl, int perPage,
                        java.util.function.BiFunction<RepositoryName, Long, RepositoryName> keys) {
        this.keys = keys;
        this.selection = selection;
        this.client = client;
        this.apiUrl = apiUrl;
        this.perPage = perPage;
    }

    /**
     * Reads every listing the selection needs and returns the named repositories followed by the discovered ones
     * (sorted by name), excluded ones left out, duplicates dropped.
     *
     * @throws GitHubAuthenticationException on 401
     */
    Result discover() throws InterruptedException {
        List<Failure> failures = new ArrayList<>();
        Set<RepositoryName> found = new LinkedHashSet<>(selection.named());
        List<RepositoryName> discovered = new ArrayList<>();
        for (String org : selection.orgs()) {
            take(listing("orgs", org, failures), null, discovered);
        }
        for (String user : selection.users()) {
            take(listing("users", user, failures), null, discovered);
        }
        for (String glob : selection.globs()) {
            String owner = glob.substring(0, glob.indexOf('/'));
            List<Listed> listed = lastListings.containsKey("orgs/" + owner) ? listing("orgs", owner, failures)
                    : lastListings.containsKey("users/" + owner) ? listing("users", owner, failures) : ownerListing(owner, failures);
            take(listed, glob, discovered);
        }
        discovered.stream().sorted().forEach(found::add);
        found.removeIf(selection::excluded);
        return new Result(List.copyOf(found), List.copyOf(failures));
    }

    private void take(List<Listed> listed, String glob, List<RepositoryName> into) {
        for (Listed repo : listed) {
            if ((repo.fork && !selection.includeForks()) || (repo.archived && !selection.includeArchived())
                    || (glob != null && !RepositorySelection.matches(glob, repo.name))) {
                continue;
            }
            into.add(keys.apply(repo.name, repo.id));
        }
    }

    /** An owner of a glob: an organization, or a user when GitHub knows no such organization. */
    private List<Listed> ownerListing(String owner, List<Failure> failures) throws InterruptedException {
        long before = requestsSent("orgs", owner);
        try {
            return readListing("orgs", owner);
        } catch (RepositoryUnavailableException e) {
            if (e.status() != 404) {
                failures.add(new Failure(e.getMessage(), requestsSent("orgs", owner) - before));
                return List.of();
            }
        } catch (GitHubApiException e) {
            failures.add(new Failure(e.getMessage(), requestsSent("orgs", owner) - before));
            return List.of();
        }
        return listing("users", owner, failures);
    }

    /** One owner's repositories; after a failure, what the last successful read gave (nothing is dropped for it). */
    private List<Listed> listing(String kind, String owner, List<Failure> failures) throws InterruptedException {
        long before = requestsSent(kind, owner);
        try {
            return readListing(kind, owner);
        } catch (RepositoryUnavailableException | GitHubApiException e) {
            failures.add(new Failure(e.getMessage(), requestsSent(kind, owner) - before));
            // A GitHub App missing on the owner is logged once per owner by GitHubAppInstallations, not at every discovery.
            (e instanceof GitHubAppInstallations.NotInstalledException ? LOG.atDebug() : LOG.atError()).log(
                    "cannot list the repositories of {} {}: {}; {}", kind.equals("orgs") ? "organization" : "user", owner, e.getMessage(),
                    lastListings.containsKey(kind + "/" + owner) ? "keeping those of the last discovery" : "none tracked yet");
            return lastListings.getOrDefault(kind + "/" + owner, List.of());
        }
    }

    /** Requests sent so far for one owner listing (the client counts them by the label its requests carry). */
    private long requestsSent(String kind, String owner) {
        return client.requestsSent(kind + "/" + owner);
    }

    /** Requests sent so far for every owner listing this discovery asked for. */
    long requestsSent() {
        return listingLabels.stream().mapToLong(client::requestsSent).sum();
    }

    private List<Listed> readListing(String kind, String owner) throws InterruptedException {
        HttpUrl url = apiUrl.newBuilder().addPathSegment(kind).addPathSegment(owner).addPathSegment("repos")
                .addQueryParameter("type", kind.equals("orgs") ? "all" : "owner")
                .addQueryParameter("per_page", String.valueOf(perPage)).build();
        List<Listed> listed = new ArrayList<>();
        String label = kind + "/" + owner;
        listingLabels.add(label);
        while (url != null) {
            GitHubPage page = client.get(url, null, label);
            listed.addAll(parse(page, label));
            url = page.next();
        }
        lastListings.put(label, List.copyOf(listed));
        return listed;
    }

    private static List<Listed> parse(GitHubPage page, String label) {
        JsonNode items;
        try {
            items = JSON.readTree(page.body());
        } catch (IOException e) {
            throw new GitHubApiException(label + ": the repository listing " + GitHubClient.describe(page.url()) + " is not JSON", e);
        }
        if (!items.isArray()) {
            throw new GitHubApiException(label + ": the repository listing " + GitHubClient.describe(page.url()) + " is not an array", null);
        }
        List<Listed> listed = new ArrayList<>();
        for (JsonNode item : items) {
            String fullName = item.path("full_name").asText("");
            if (!item.path("id").canConvertToLong() || !RepositoryName.isValid(fullName)) {
                LOG.warn("{}: a listed repository without a usable id or full_name was skipped: {}", label, abbreviate(item.toString()));
                continue;
            }
            // A missing fork/archived field is not false: such a repository is kept, and said so.
            if (!item.path("fork").isBoolean() || !item.path("archived").isBoolean()) {
                LOG.warn("{}: {} is listed without its fork/archived flags; kept", label, fullName);
            }
            listed.add(new Listed(item.path("id").asLong(), RepositoryName.parse(fullName), item.path("fork").asBoolean(false),
                    item.path("archived").asBoolean(false)));
        }
        return listed;
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
