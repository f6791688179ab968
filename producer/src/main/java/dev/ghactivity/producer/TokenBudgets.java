package dev.ghactivity.producer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request budget of each token, from the {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset} headers of
 * its last answer (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api): each request goes with the
 * token that has the most left (one not heard of yet first, to learn its budget), so no token is used once GitHub said
 * it has none left until its reset. A token GitHub rejects (401) is set aside for good, named by its position.
 * Without any token there is one unauthenticated budget. Thread-safe.
 */
final class TokenBudgets {
    private static final Logger LOG = LoggerFactory.getLogger(TokenBudgets.class);
    /** A budget not heard of yet: above any real one, so the token is tried and its budget learnt. */
    private static final int UNKNOWN = Integer.MAX_VALUE;

    private final GitHubToken tokens;
    private final Clock clock;
    private final int[] remaining;
    private final Instant[] reset;
    private final boolean[] rejected;
    /** Requests sent with each token and not answered yet: several repositories are polled at once. */
    private final int[] inFlight;
    /** The largest hourly limit GitHub gave any token ({@code X-RateLimit-Limit}; 0 until one answered). */
    private int limit;

    TokenBudgets(GitHubToken tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
        int n = Math.max(1, tokens.count());
        this.remaining = new int[n];
        this.reset = new Instant[n];
        this.rejected = new boolean[n];
        this.inFlight = new int[n];
        java.util.Arrays.fill(remaining, UNKNOWN);
        java.util.Arrays.fill(reset, Instant.EPOCH);
    }

    /**
     * The index of the token with the most budget left, or -1 when every token that is not set aside has none left
     * (then {@link #untilFirstReset()} says how long to wait). A token not heard of yet goes first, but only one request
     * at a time learns its budget (or that it is rejected); until it answers, tokens whose budget is known go before it.
     * Call {@link #answered} once the request is answered (or failed).
     */
    synchronized int choose() {
        Instant now = clock.instant();
        int best = -1;
        long bestScore = Long.MIN_VALUE;
        for (int i = 0; i < remaining.length; i++) {
            if (rejected[i]) {
                continue;
            }
            if (now.isAfter(reset[i])) {
                remaining[i] = UNKNOWN; // a new window began
            }
            long score = remaining[i] != UNKNOWN ? remaining[i] : inFlight[i] == 0 ? Long.MAX_VALUE : -inFlight[i];
            if (remaining[i] > 0 && (best < 0 || score > bestScore)) {
                best = i;
                bestScore = score;
            }
        }
        if (best >= 0) {
            inFlight[best]++;
            if (remaining[best] != UNKNOWN) {
                remaining[best]--; // spent now, so concurrent requests spread over the tokens
            }
        }
        return best;
    }

    /** The request sent with this token ({@link #choose}) was answered or failed. */
    synchronized void answered(int index) {
        if (index >= 0 && inFlight[index] > 0) {
            inFlight[index]--;
        }
    }

    /** True when a token that is not set aside has budget left (or a new window), without spending any. */
    synchronized boolean anyBudgetLeft() {
        Instant now = clock.instant();
        for (int i = 0; i < remaining.length; i++) {
            if (!rejected[i] && (remaining[i] > 0 || now.isAfter(reset[i]))) {
                return true;
            }
        }
        return false;
    }

    /** The most any token that is not set aside has left ({@link Integer#MAX_VALUE} when one is not known yet or was reset). */
    synchronized int budgetLeft() {
        Instant now = clock.instant();
        int best = 0;
        for (int i = 0; i < remaining.length; i++) {
            if (!rejected[i]) {
                best = Math.max(best, now.isAfter(reset[i]) ? UNKNOWN : remaining[i]);
            }
        }
        return best;
    }

    /** How long until the first token that is not set aside gets a new budget (zero when one has budget). */
    synchronized Duration untilFirstReset() {
        Instant first = null;
        for (int i = 0; i < remaining.length; i++) {
            if (!rejected[i] && (first == null || reset[i].isBefore(first))) {
                first = reset[i];
            }
        }
        Duration d = first == null ? Duration.ZERO : Duration.between(clock.instant(), first.plusSeconds(1));
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** What GitHub said of this token's budget (null headers: nothing said). */
    synchronized void limit(int hourlyLimit) {
        limit = Math.max(limit, hourlyLimit);
    }

    /** The largest hourly limit GitHub gave a token (0 until one answered). */
    synchronized int limit() {
        return limit;
    }

    /**
     * What an answer with this token said is left; the other requests with it still in flight are counted as spent, as
     * GitHub may not have counted them when it answered, so concurrent requests never take a token past its budget.
     */
    synchronized void update(int index, Integer remainingNow, Instant resetAt) {
        if (remainingNow != null) {
            remaining[index] = Math.max(0, remainingNow - Math.max(0, inFlight[index] - 1));
        }
        if (resetAt != null) {
            reset[index] = resetAt;
        }
    }

    /** This token has none left (a primary rate limit answer). */
    synchronized void exhausted(int index) {
        remaining[index] = 0;
    }

    /** Forgets a budget waited for (its reset passed). */
    synchronized void waited() {
        for (int i = 0; i < remaining.length; i++) {
            if (remaining[i] == 0) {
                remaining[i] = UNKNOWN;
            }
        }
    }

    /**
     * Sets aside a token GitHub answered 401 for, with a warning naming its position, never its value.
     *
     * @return true when another token is left to try
     */
    synchronized boolean reject(int index) {
        if (tokens.count() <= 1) {
            return false;
        }
        if (!rejected[index]) {
            rejected[index] = true;
            LOG.warn("GitHub rejected token {} of {} (401 Bad credentials); it is set aside, the others go on: replace or remove it",
                    index + 1, tokens.count());
        }
        for (boolean r : rejected) {
            if (!r) {
                return true;
            }
        }
        return false;
    }

    /** {@code Bearer <token>} for this index, or null when unauthenticated. */
    String authorizationHeader(int index) {
        return tokens.isPresent() ? tokens.authorizationHeader(index) : null;
    }

    /** The budget GitHub last gave this token (-1 when not heard of yet). */
    synchronized int remaining(int index) {
        return remaining[index] == UNKNOWN ? -1 : remaining[index];
    }
}
