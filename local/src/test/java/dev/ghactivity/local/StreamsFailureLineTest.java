package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The line a run ends with when the streams-app stopped for good: a disk fault names the state dir and what to do. */
class StreamsFailureLineTest {
    private static final Path STATE = Path.of("/data/streams");

    @Test
    void aDiskFaultOfAnyKindNamesTheStateDirAndWhatToDo() {
        for (String fault : new String[] {"No space left on device", "File too large", "Read-only file system", "Disk quota exceeded"}) {
            String reason = "stream thread failed 4 times within PT10M, stopping this instance (health 503; the failing input stays "
                    + "unprocessed, nothing counted from it): org.apache.kafka.streams.errors.ProcessorStateException: Error while "
                    + "executing flush from store month-counters, caused by org.rocksdb.RocksDBException: While appending to file: "
                    + "/data/streams/ghactivity-streams/1_0/rocksdb/month-counters/000012.log: " + fault + "; fix the cause and restart";
            assertThat(LocalStack.streamsFailureLine(reason, STATE)).isEqualTo("the streams-app stopped: " + reason
                    + " (its state is under /data/streams: free space on its file system or make it writable, or choose another "
                    + "--data-dir, and start again)");
        }
    }

    @Test
    void anotherFaultIsSaidAsTheFailurePolicySaidIt() {
        String reason = "stream thread failed 4 times within PT10M, stopping this instance (health 503; the failing input stays "
                + "unprocessed, nothing counted from it): java.lang.IllegalStateException: boom; fix the cause and restart";
        assertThat(LocalStack.streamsFailureLine(reason, STATE)).isEqualTo("the streams-app stopped: " + reason);
    }
}
