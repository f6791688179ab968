package dev.ghactivity.sink.s3;

import dev.ghactivity.sink.MonthlyActivityRecord;
import software.amazon.awssdk.core.exception.SdkException;

/** How one Kafka partition's rows become objects: {@link SnapshotWriter} or {@link ChangelogWriter}. */
interface PartitionWriter {
    /** Takes one record in offset order (a tombstone too); may read from S3, a failure is thrown as the task should throw it. */
    void apply(MonthlyActivityRecord record);

    /**
     * Writes everything applied since the last flush.
     *
     * @throws SdkException as the store threw it; what was not written stays and is written by the next flush
     */
    void flush();
}
