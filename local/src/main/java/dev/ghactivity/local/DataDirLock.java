package dev.ghactivity.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on {@code DIR/.lock}, held from before the broker starts until the stack stops: two local
 * stacks on one data dir would share a Kafka log, Streams state and SQLite file and corrupt them. The lock is the
 * kernel's ({@link FileChannel#tryLock()}, {@code fcntl} on Linux): it vanishes with the process, so the file a
 * killed run leaves behind blocks nothing. The file holds the holder's pid, only to name it in the refusal.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE_NAME = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dataDir} (which must exist) and writes this process's pid into it.
     *
     * @throws DataDirInUseException if another process (or another stack in this JVM) holds it; nothing was written
     * @throws IOException           if the lock file cannot be created or written (read-only or full file system)
     */
    static DataDirLock acquire(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        // No TRUNCATE_EXISTING: the holder's pid stays readable until this process holds the lock.
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameJvm) {
                lock = null;
            }
            if (lock == null) {
                throw new DataDirInUseException(dataDir, holder(channel));
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new DataDirLock(channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The pid the holder wrote, or null while it has not written it yet (or wrote something else). */
    private static Long holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,18}") ? Long.valueOf(text) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Releases the lock; the file stays (deleting it would race with a start that just opened it). */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /** The data dir is held by another running stack; its message is the one line the CLI prints. */
    static final class DataDirInUseException extends StackFailedException {
        DataDirInUseException(Path dataDir, Long pid) {
            super("data dir " + dataDir.toAbsolutePath() + " is in use by another ghactivity process"
                    + (pid == null ? "" : " (pid " + pid + ")") + "; stop it or use another --data-dir", null);
        }
    }
}
