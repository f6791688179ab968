package dev.ghactivity.producer;

import okhttp3.HttpUrl;

/**
 * One answer of a listing request: 200 with a body and maybe a next page, or 304 Not Modified.
 *
 * @param next the {@code Link rel="next"} URL exactly as given, or null on the last page
 */
public record GitHubPage(HttpUrl url, int status, byte[] body, HttpUrl next, String etag, int rateLimitRemaining) {
    public boolean notModified() {
        return status == 304;
    }
}
