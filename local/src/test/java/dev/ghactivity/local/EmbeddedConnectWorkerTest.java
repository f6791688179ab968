package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reason a failed task gives, from the trace Connect keeps: its own exception's message, not Connect's wrapper. */
class EmbeddedConnectWorkerTest {
    @Test
    void theTasksOwnMessageIsFoundUnderConnectsWrappersOrOnTop() {
        String put = """
                org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.
                \tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:636)
                Caused by: org.apache.kafka.connect.errors.ConnectException: SQLite file /d/x.db is read-only (boom): make it writable
                \tat dev.ghactivity.sink.sqlite.SqliteSinkTask.writePending(SqliteSinkTask.java:141)
                Caused by: org.sqlite.SQLiteException: [SQLITE_READONLY] Attempt to write a readonly database
                \t... 12 more
                """;
        assertThat(EmbeddedConnectWorker.failureMessage(put)).isEqualTo("SQLite file /d/x.db is read-only (boom): make it writable");
        String start = """
                org.apache.kafka.connect.errors.ConnectException: SQLite file /d/x.db cannot be opened (x): check it
                \tat dev.ghactivity.sink.sqlite.SqliteSinkTask.openWriter(SqliteSinkTask.java:66)
                Caused by: org.sqlite.SQLiteException: [SQLITE_CANTOPEN] Unable to open the database file
                """;
        assertThat(EmbeddedConnectWorker.failureMessage(start)).isEqualTo("SQLite file /d/x.db cannot be opened (x): check it");
        assertThat(EmbeddedConnectWorker.failureMessage(null)).isEqualTo("failed (no reason given)");
    }
}
