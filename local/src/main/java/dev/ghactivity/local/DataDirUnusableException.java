package dev.ghactivity.local;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** The data dir cannot be created or written (permissions, a read-only or full file system); nothing was started. */
final class DataDirUnusableException extends StackFailedException {
    DataDirUnusableException(Path dataDir, IOException cause) {
        super("cannot write data dir " + dataDir + " (" + reason(cause) + "): free space on its file system, make it "
                + "writable, or choose another --data-dir", cause);
    }

    /** What went wrong in words: the JDK's file-system exceptions name only the path, the reason is apart or in the type. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied on " + a.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a directory";
        }
        if (e instanceof NotDirectoryException n) {
            return n.getFile() + " is not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return (f.getFile() == null ? "" : f.getFile() + ": ") + f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
