package dev.ghactivity.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The result table: one row per figure (measured, baseline, ratio, target, verdict), plus notes on how each was measured. */
final class Results {
    /** One figure; {@code verdict} is pass, MISS or "-" for figures reported without a target. */
    record Row(String figure, String measured, String baseline, String ratio, String target, String verdict) {
        String[] cells() {
            return new String[] {figure, measured, baseline, ratio, target, verdict};
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /** Adds a row and prints it at once, so a long run shows progress. */
    void add(Row row) {
        rows.add(row);
        System.out.printf(Locale.ROOT, "%-40s %-34s %-40s %-6s %-10s %s%n", (Object[]) row.cells());
    }

    void add(String figure, String measured, String baseline, double ratio, double minRatio) {
        add(new Row(figure, measured, baseline, ratio(ratio), ">= " + minRatio, ratio >= minRatio ? "pass" : "MISS"));
    }

    void info(String figure, String measured, String baseline, String ratio) {
        add(new Row(figure, measured, baseline, ratio, "info", "-"));
    }

    void note(String text) {
        notes.add(text);
        System.out.println("  " + text);
    }

    List<Row> rows() {
        return rows;
    }

    String markdown() {
        StringBuilder md = new StringBuilder("| figure | measured | baseline (same run) | ratio | target | verdict |\n|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(String.join(" | ", Arrays.stream(r.cells()).map(c -> c.replace("|", "\\|")).toList())).append(" |\n");
        }
        if (!notes.isEmpty()) {
            md.append("\nHow each figure was measured:\n\n");
            notes.forEach(n -> md.append("* ").append(n).append('\n'));
        }
        return md.toString();
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    static String perSecond(double v, String unit) {
        return String.format(Locale.ROOT, "%,.0f %s/s", v, unit);
    }

    static String runs(List<Double> values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", v));
        }
        return s.toString();
    }
}
