package dev.ghactivity.sink.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

class SqliteMonthlyActivityWriterTest {
    @TempDir
    Path dir;

    /** Open descriptors of this process on {@code file} (Linux /proc). */
    private static long openDescriptors(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void openingUnderAHeldLockFailsBusyAndLeavesNoConnectionOpen() throws Exception {
        Path db = dir.resolve("ghactivity.db");
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = holder.createStatement()) {
            s.execute("CREATE TABLE other (x INTEGER)");
            s.execute("BEGIN EXCLUSIVE");
            for (int attempt = 0; attempt < 5; attempt++) { // the task retries the open like this
                assertThatThrownBy(() -> new SqliteMonthlyActivityWriter(db, "monthly_activity", 20, 100))
                        .isInstanceOf(SQLiteException.class)
                        .satisfies(e -> assertThat(((SQLiteException) e).getResultCode().code & 0xff)
                                .isEqualTo(SQLiteErrorCode.SQLITE_BUSY.code));
            }
            s.execute("COMMIT");
        }
        // SQLite keeps a closed connection's descriptor while another connection of the process holds a lock on the
        // file; with the holder closed too, any descriptor left is a connection nobody closed.
        assertThat(openDescriptors(db)).as("descriptors of the database file after 5 failed opens").isZero();
        try (SqliteMonthlyActivityWriter writer = new SqliteMonthlyActivityWriter(db, "monthly_activity", 20, 100)) {
            assertThat(openDescriptors(db)).isPositive();
        }
        assertThat(openDescriptors(db)).isZero();
    }
}
