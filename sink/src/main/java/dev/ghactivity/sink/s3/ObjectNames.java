package dev.ghactivity.sink.s3;

import org.apache.kafka.common.TopicPartition;

/**
 * The deterministic object names of one partition (so a rewrite replaces an object instead of adding one):
 * {@code <prefix>/month=YYYY-MM/part-<partition><ext>} for snapshots and
 * {@code <prefix>/changelog/month=YYYY-MM/<topic>+<partition>+<startOffset, 20 digits><ext>} for the changelog.
 */
final class ObjectNames {
    private static final int OFFSET_DIGITS = 20;
    private final String prefix;
    private final TopicPartition tp;
    private final String extension;

    ObjectNames(String prefix, TopicPartition tp, String extension) {
        this.prefix = prefix;
        this.tp = tp;
        this.extension = extension;
    }

    String snapshot(String month) {
        return prefix + "/month=" + month + "/part-" + tp.partition() + extension;
    }

    String changelog(String month, long startOffset) {
        return changelogPrefix(month) + String.format("%0" + OFFSET_DIGITS + "d", startOffset) + extension;
    }

    /** What every changelog object of this partition and month starts with. */
    String changelogPrefix(String month) {
        return prefix + "/changelog/month=" + month + "/" + tp.topic() + "+" + tp.partition() + "+";
    }

    /** The start offset of a changelog object named {@code key} under {@code changelogPrefix(month)}, or -1 if it is not one. */
    long startOffsetOf(String month, String key) {
        String rest = key.substring(changelogPrefix(month).length());
        if (rest.indexOf('.') != OFFSET_DIGITS || !rest.chars().limit(OFFSET_DIGITS).allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(rest.substring(0, OFFSET_DIGITS));
    }
}
