package dev.ghactivity.producer;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Parses GitHub's ISO-8601 timestamps. GitHub writes nearly all of them as {@code YYYY-MM-DDTHH:MM:SSZ};
 * that form is read digit by digit (a JFR profile of a backfill showed {@code OffsetDateTime.parse}
 * copying a map per optional section), anything else, e.g. {@code 2012-02-29T23:30:00-08:00} or
 * fractional seconds, goes through {@link OffsetDateTime#parse}. Both give the same instant.
 */
final class GitHubTimestamps {
    private GitHubTimestamps() {
    }

    /** The instant of {@code text}; {@link DateTimeException} when it is not an ISO-8601 date-time with offset. */
    static Instant parse(String text) {
        if (text.length() == 20 && text.charAt(19) == 'Z' && text.charAt(4) == '-' && text.charAt(7) == '-'
                && text.charAt(10) == 'T' && text.charAt(13) == ':' && text.charAt(16) == ':') {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 2);
            int day = digits(text, 8, 2);
            int hour = digits(text, 11, 2);
            int minute = digits(text, 14, 2);
            int second = digits(text, 17, 2);
            if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0) {
                // LocalDateTime.of validates the ranges (month 13, February 30) like the full parser does.
                return LocalDateTime.of(year, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
            }
        }
        return OffsetDateTime.parse(text).toInstant();
    }

    /** The non-negative number written by {@code length} ASCII digits at {@code start}, or -1. */
    private static int digits(String text, int start, int length) {
        int value = 0;
        for (int i = start; i < start + length; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
