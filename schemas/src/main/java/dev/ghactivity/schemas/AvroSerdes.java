package dev.ghactivity.schemas;

/**
 * The pipeline's AvroSerdes. Each is created once: building an encoder computes the schema's fingerprint, far
 * too slow to do per record. Avro's message encoders and decoders are thread-safe, so one instance serves all.
 */
public final class AvroSerdes {
    private static final AvroSerde<CommitEvent> COMMIT_EVENT = new AvroSerde<>(CommitEvent.class);
    private static final AvroSerde<IssueEvent> ISSUE_EVENT = new AvroSerde<>(IssueEvent.class);
    private static final AvroSerde<IngestCursor> INGEST_CURSOR = new AvroSerde<>(IngestCursor.class);
    private static final AvroSerde<MonthlyActivity> MONTHLY_ACTIVITY = new AvroSerde<>(MonthlyActivity.class);
    private static final AvroSerde<RepositoryState> REPOSITORY_STATE = new AvroSerde<>(RepositoryState.class);

    private AvroSerdes() {
    }

    public static AvroSerde<CommitEvent> commitEvent() {
        return COMMIT_EVENT;
    }

    public static AvroSerde<IssueEvent> issueEvent() {
        return ISSUE_EVENT;
    }

    public static AvroSerde<IngestCursor> ingestCursor() {
        return INGEST_CURSOR;
    }

    public static AvroSerde<MonthlyActivity> monthlyActivity() {
        return MONTHLY_ACTIVITY;
    }

    public static AvroSerde<RepositoryState> repositoryState() {
        return REPOSITORY_STATE;
    }
}
