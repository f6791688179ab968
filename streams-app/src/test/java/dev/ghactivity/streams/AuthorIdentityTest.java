package dev.ghactivity.streams;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuthorIdentityTest {
    @Test
    void theLoginWhenGivenElseTheNoreplyLoginElseTheLowerCasedEmail() {
        assertThat(AuthorIdentity.of("Octocat", "octo@example.com").person()).isEqualTo("login:octocat");
        assertThat(AuthorIdentity.of(null, "583231+Octocat@users.noreply.github.com").person()).isEqualTo("login:octocat");
        assertThat(AuthorIdentity.of("", "octocat@users.noreply.github.com").person()).isEqualTo("login:octocat");
        assertThat(AuthorIdentity.of(null, " Octo@Example.COM ").person()).isEqualTo("email:octo@example.com");
        assertThat(AuthorIdentity.of(null, "noreply@github.com").person()).isEqualTo("email:noreply@github.com");
    }

    @Test
    void botsByLoginOrNoreplyAddressAreNoAuthorsAndANameAloneIsNoIdentity() {
        assertThat(AuthorIdentity.of("dependabot[bot]", "x@example.com")).isEqualTo(AuthorIdentity.BOT);
        assertThat(AuthorIdentity.of("Renovate[Bot]", null)).isEqualTo(AuthorIdentity.BOT);
        assertThat(AuthorIdentity.of(null, "49699333+dependabot[bot]@users.noreply.github.com")).isEqualTo(AuthorIdentity.BOT);
        assertThat(AuthorIdentity.of(null, "github-actions[bot]@users.noreply.github.com")).isEqualTo(AuthorIdentity.BOT);
        assertThat(AuthorIdentity.of(null, null)).isEqualTo(AuthorIdentity.UNKNOWN);
        assertThat(AuthorIdentity.of(" ", "")).isEqualTo(AuthorIdentity.UNKNOWN);
    }
}
