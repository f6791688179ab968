package dev.ghactivity.streams;

/**
 * A start refused because the counting state was built with other settings ({@code --zone},
 * {@code --commit-date-field}) or by a newer release ({@link CountingSettings}). {@link #getMessage()} gives the
 * streams-app's remedy (a new {@code --application-id}); a program that starts the streams-app under its own
 * options (the local stack) words the line with {@link #message(String, String)}.
 */
public final class CountingSettingsRefusedException extends IllegalStateException {
    private final String topic;
    private final String stored;
    private final String requested;
    private final int storedVersion;

    /**
     * @param stored        the stored settings, e.g. {@code zone=UTC,commit-date-field=AUTHOR}
     * @param requested     this start's, same shape
     * @param storedVersion the topology version of the stored state; above this release's when a newer one built it
     */
    CountingSettingsRefusedException(String applicationId, String topic, String stored, String requested, int storedVersion) {
        super(message(applicationId, topic, stored, requested, storedVersion, "application " + applicationId,
                "under a new --application-id (see README, 'Changing the zone')"));
        this.topic = topic;
        this.stored = stored;
        this.requested = requested;
        this.storedVersion = storedVersion;
    }

    /**
     * The refusal in the words of another program.
     *
     * @param subject    what counted, e.g. {@code data dir /var/ghactivity}
     * @param freshStart how to count from scratch there, e.g. {@code in a new --data-dir}
     */
    public String message(String subject, String freshStart) {
        return message(null, topic, stored, requested, storedVersion, subject, freshStart);
    }

    private static String message(String applicationId, String topic, String stored, String requested, int storedVersion,
                                  String subject, String freshStart) {
        if (storedVersion > MonthlyActivityTopology.VERSION) {
            return subject + " was counted by a newer release (topology version " + storedVersion + ", stored in topic " + topic
                    + ") than this one (" + MonthlyActivityTopology.VERSION + "): start that release, or count from scratch "
                    + freshStart;
        }
        return subject + " counted months with " + stored + " (stored in topic " + topic + "), this start asks for "
                + requested + ": mixing them would corrupt every count. Start with the stored settings, or count from scratch "
                + freshStart;
    }
}
