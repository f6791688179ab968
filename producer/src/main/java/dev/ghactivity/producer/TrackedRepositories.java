package dev.ghactivity.producer;

import dev.ghactivity.schemas.RepositoryName;
import java.util.List;

/** The repositories the producer polls now (named ones and those its last discovery found), for other parts to ask. */
public interface TrackedRepositories {
    /** The repositories polled now, in polling order; a renamed one under the name it was first tracked by. */
    List<RepositoryName> tracked();

    /** True when this repository (any case) is polled now. */
    default boolean isTracked(RepositoryName repo) {
        return tracked().contains(repo);
    }

    /**
     * The key a webhook delivery for {@code name} (GitHub's repository {@code id}; null when the delivery gives none)
     * is counted under: the tracked key that repository id is counted under when it is known (a repository renamed or
     * transferred after it was first tracked keeps its key, while its deliveries carry the new name), else
     * {@code name} when it is tracked; null when the delivery is not for a tracked repository.
     */
    default RepositoryName trackedKey(RepositoryName name, Long id) {
        return isTracked(name) ? name : null;
    }
}
