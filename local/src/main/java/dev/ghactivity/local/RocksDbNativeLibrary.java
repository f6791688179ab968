package dev.ghactivity.local;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.NativeLibraryLoader;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's JNI library (the streams-app's state stores) from {@code <data dir>/native} before the streams-app
 * starts. Left to itself, RocksDB copies it (~15 MB) from its jar to a new {@code librocksdbjni*.so} in
 * {@code java.io.tmpdir} at every start, deleted only at a clean JVM exit: every kill -9 left one behind in /tmp, and
 * a full /tmp failed each stream thread with a stack trace. In the data dir the file has one fixed name (RocksDB's
 * {@code NativeLibraryLoader.loadLibrary(dir)} replaces it at each start), the data dir lock keeps a second process off
 * it, and a disk that cannot take it is said in one line before the streams-app starts.
 *
 * <p>{@code ROCKSDB_SHAREDLIB_DIR}, which {@link RocksDB#loadLibrary()} reads (rocksdbjni 10.1), still wins when set.
 */
final class RocksDbNativeLibrary {
    static final String ENV = "ROCKSDB_SHAREDLIB_DIR";

    private RocksDbNativeLibrary() {
    }

    /** The folder of the library file in a data dir. */
    static Path dirOf(Path dataDir) {
        return dataDir.resolve("native");
    }

    /**
     * @param dataDir the stack's data dir; the library file goes to {@link #dirOf} it (created if missing)
     * @throws DataDirUnusableException naming the file and what to do when it cannot be written (full, read-only)
     */
    static void loadInto(Path dataDir) {
        if (System.getenv(ENV) != null && !System.getenv(ENV).isEmpty()) {
            return;
        }
        Path dir = dirOf(dataDir);
        Path file = dir.resolve(Environment.getJniLibraryFileName("rocksdb"));
        try {
            Files.createDirectories(dir);
            // Loads once per JVM: later calls (another stack in the same JVM, RocksDB.loadLibrary()) write nothing.
            NativeLibraryLoader.getInstance().loadLibrary(dir.toString());
        } catch (FileSystemException e) {
            throw new DataDirUnusableException(dataDir, e);
        } catch (IOException e) {
            // The copy's write fails with a bare IOException ("No space left on device", "File too large"): name the file.
            throw new DataDirUnusableException(dataDir, new FileSystemException(file.toString(), null, e.getMessage()));
        } catch (RuntimeException e) {
            // RocksDB says "File: <path> could not be created." (a read-only directory) as a RuntimeException.
            throw new DataDirUnusableException(dataDir, new FileSystemException(null, null, e.getMessage()));
        }
        RocksDB.loadLibrary();
    }
}
