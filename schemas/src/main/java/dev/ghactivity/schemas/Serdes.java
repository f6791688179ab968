package dev.ghactivity.schemas;

/** Shared Serde instances for the pipeline's records (thread-safe: encoders and decoders are). */
public final class Serdes {
    private Serdes() {
    }

    public static AvroSerde<CommitEvent> commitEvent() {
        return new AvroSerde<>(CommitEvent.class);
    }

    public static AvroSerde<IssueEvent> issueEvent() {
        return new AvroSerde<>(IssueEvent.class);
    }

    public static AvroSerde<IngestCursor> ingestCursor() {
        return new AvroSerde<>(IngestCursor.class);
    }

    public static AvroSerde<MonthlyActivity> monthlyActivity() {
        return new AvroSerde<>(MonthlyActivity.class);
    }
}
