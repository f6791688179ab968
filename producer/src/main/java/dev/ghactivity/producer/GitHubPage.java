package dev.ghactivity.producer;

import okhttp3.HttpUrl;

/**
 * One answer of a listing request: 200 with a body and maybe a next page, or 304 Not Modified.
 *
 * @param url          the URL that answered (after redirects)
 * @param next         the {@code Link rel="next"} URL on the API origin, or null on the last page
 * @param redirectedTo the URL GitHub redirected the request to (a renamed or transferred repository), or null
 * @param lastPage     the {@code page} number of the {@code Link rel="last"} URL, or -1 when GitHub did not give one
 */
public record GitHubPage(HttpUrl url, int status, byte[] body, HttpUrl next, String etag, int rateLimitRemaining, HttpUrl redirectedTo,
                         int lastPage) {
    public boolean notModified() {
        return status == 304;
    }
}
