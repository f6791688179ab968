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
}
