package dev.ghactivity.producer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The fields of a commits-list item the pipeline keeps. Bound directly (unknown fields skipped by the
 * parser) instead of building a tree of every field: commits are the hottest path of a backfill.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
final class CommitItem {
    @JsonProperty("sha")
    String sha;
    @JsonProperty("commit")
    Commit commit;
    @JsonProperty("author")
    Account author;
    @JsonProperty("parents")
    List<Parent> parents;
    @JsonProperty("html_url")
    String htmlUrl;

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class Commit {
        @JsonProperty("author")
        Signature author;
        @JsonProperty("committer")
        Signature committer;
        @JsonProperty("message")
        String message;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class Signature {
        @JsonProperty("name")
        String name;
        @JsonProperty("email")
        String email;
        @JsonProperty("date")
        String date;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class Account {
        @JsonProperty("login")
        String login;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class Parent {
        @JsonProperty("sha")
        String sha;
    }
}
