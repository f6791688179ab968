package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenBudgetsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final TokenBudgets budgets = new TokenBudgets(GitHubToken.of(List.of("a", "b", "c")), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void eachRequestGoesWithTheTokenWithMostLeftAndNoneOnceSpent() {
        Instant reset = NOW.plusSeconds(600);
        budgets.update(0, 2, reset);
        budgets.update(1, 5, reset);
        budgets.update(2, 3, NOW.plusSeconds(60));
        assertThat(budgets.choose()).isEqualTo(1); // 5 -> 4
        assertThat(budgets.choose()).isEqualTo(1); // 4 -> 3
        assertThat(budgets.choose()).isIn(1, 2);
        budgets.update(0, 0, reset);
        budgets.update(1, 0, reset);
        budgets.update(2, 0, NOW.plusSeconds(60));
        assertThat(budgets.choose()).isEqualTo(-1);
        assertThat(budgets.anyBudgetLeft()).isFalse();
        assertThat(budgets.untilFirstReset()).isEqualTo(Duration.ofSeconds(61)); // token c's window ends first
    }

    @Test
    void aRejectedTokenIsSetAsideAndTheLastRejectionIsFatal() {
        assertThat(budgets.reject(0)).isTrue();
        assertThat(budgets.reject(2)).isTrue();
        assertThat(budgets.choose()).isEqualTo(1);
        assertThat(budgets.choose()).isEqualTo(1);
        assertThat(budgets.reject(1)).isFalse();
        assertThat(budgets.choose()).isEqualTo(-1);
        assertThat(new TokenBudgets(GitHubToken.of("only"), Clock.systemUTC()).reject(0)).isFalse();
    }
}
