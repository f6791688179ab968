package dev.ghactivity.producer;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Command-line durations: ISO-8601 ({@code PT1M}, {@code P1D}), the short forms {@code 30s}, {@code 5m}, {@code 1h},
 * {@code 1d} (and combinations like {@code 1h30m}), {@code 500ms}, or plain seconds. The short forms are ISO-8601
 * without the {@code PT}/{@code P} prefix, so {@link Duration#parse} reads them all; picocli's own {@code Duration}
 * converter takes ISO-8601 only, and no well-kept library reads both.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(v));
            }
            if (v.endsWith("MS")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            return Duration.parse(v.startsWith("P") ? v : v.endsWith("D") ? "P" + v : "PT" + v);
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (examples: 500ms, 30s, 5m, 1h, 1d, PT1M)");
        }
    }
}
