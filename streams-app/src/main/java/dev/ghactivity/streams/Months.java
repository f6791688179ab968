package dev.ghactivity.streams;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;

/** Calendar months as {@code YYYY-MM} in a zone. */
final class Months {
    private Months() {
    }

    static String of(Instant instant, ZoneId zone) {
        return YearMonth.from(instant.atZone(zone)).toString();
    }
}
