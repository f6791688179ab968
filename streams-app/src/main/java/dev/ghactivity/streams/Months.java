package dev.ghactivity.streams;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.regex.Pattern;

/** Calendar months as {@code YYYY-MM} in a zone. */
final class Months {
    static final Pattern MONTH = Pattern.compile("\\d{4}-(0[1-9]|1[0-2])");

    private Months() {
    }

    static String of(Instant instant, ZoneId zone) {
        return YearMonth.from(instant.atZone(zone)).toString();
    }
}
