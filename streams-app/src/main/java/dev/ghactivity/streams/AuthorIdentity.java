package dev.ghactivity.streams;

import dev.ghactivity.schemas.CommitEvent;
import java.util.Locale;

/**
 * Who authored a commit: people, not addresses. The one rule for {@code commit_authors} and {@code new_contributors}:
 * <ol>
 *   <li>the GitHub login when the API linked the commit to an account (lower-cased: logins are case-insensitive);</li>
 *   <li>else a {@code users.noreply.github.com} address, {@code ID+login@...} or {@code login@...}, is that login
 *       (GitHub's "keep my e-mail private" addresses, docs.github.com "Setting your commit email address");</li>
 *   <li>else the lower-cased e-mail.</li>
 * </ol>
 * A login ending in {@code [bot]} (GitHub Apps, e.g. {@code dependabot[bot]}) or its noreply address is a bot, not
 * an author. A commit with neither login nor e-mail has no known author: names alone are never matched (two people
 * share a name, one person writes it several ways).
 *
 * @param person {@code login:<login>} or {@code email:<address>}; null for a bot or an unknown author
 * @param bot whether the author is a bot
 */
record AuthorIdentity(String person, boolean bot) {
    static final AuthorIdentity BOT = new AuthorIdentity(null, true);
    static final AuthorIdentity UNKNOWN = new AuthorIdentity(null, false);
    private static final String NOREPLY_DOMAIN = "@users.noreply.github.com";
    private static final String BOT_SUFFIX = "[bot]";

    static AuthorIdentity of(CommitEvent c) {
        return of(c.getAuthorLogin(), c.getAuthorEmail());
    }

    static AuthorIdentity of(String login, String email) {
        if (login != null && !login.isBlank()) {
            return ofLogin(login.trim().toLowerCase(Locale.ROOT));
        }
        if (email == null || email.isBlank()) {
            return UNKNOWN;
        }
        String address = email.trim().toLowerCase(Locale.ROOT);
        if (address.endsWith(NOREPLY_DOMAIN)) {
            String local = address.substring(0, address.length() - NOREPLY_DOMAIN.length());
            String noreplyLogin = local.substring(local.indexOf('+') + 1); // ID+login, or login alone (older accounts)
            if (!noreplyLogin.isEmpty()) {
                return ofLogin(noreplyLogin);
            }
        }
        return new AuthorIdentity("email:" + address, false);
    }

    private static AuthorIdentity ofLogin(String login) {
        return login.endsWith(BOT_SUFFIX) ? BOT : new AuthorIdentity("login:" + login, false);
    }
}
