package dev.ghactivity.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Makes a file or directory read-only for the code under test, also when the tests run as root (as CI does), where
 * permission bits are ignored: then the file is made immutable ({@code chattr +i}, which binds root too). Close to
 * make it writable again (a {@code @TempDir} cannot delete an immutable file).
 */
public final class ReadOnlyFiles implements AutoCloseable {
    private final Path path;
    private final Set<PosixFilePermission> before;
    private final boolean immutable;

    private ReadOnlyFiles(Path path, Set<PosixFilePermission> before, boolean immutable) {
        this.path = path;
        this.before = before;
        this.immutable = immutable;
    }

    /**
     * @throws IllegalStateException if the path stays writable (root on a file system without {@code chattr}):
     *                               the caller's assumption fails, not its assertion
     */
    public static ReadOnlyFiles make(Path path) throws IOException, InterruptedException {
        Set<PosixFilePermission> before = Files.getPosixFilePermissions(path);
        Set<PosixFilePermission> readOnly = EnumSet.copyOf(before);
        readOnly.removeAll(EnumSet.of(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE));
        Files.setPosixFilePermissions(path, readOnly);
        if (!writable(path)) {
            return new ReadOnlyFiles(path, before, false);
        }
        if (!chattr("+i", path) || writable(path)) {
            chattr("-i", path);
            Files.setPosixFilePermissions(path, before);
            throw new IllegalStateException(path + " stays writable (root without chattr +i?)");
        }
        return new ReadOnlyFiles(path, before, true);
    }

    /** Whether this process can write there: access(2) answers yes to root whatever the bits, so try for real. */
    private static boolean writable(Path path) {
        try {
            if (Files.isDirectory(path)) {
                Files.delete(Files.createTempFile(path, "probe", ".tmp"));
            } else {
                Files.newOutputStream(path, java.nio.file.StandardOpenOption.APPEND).close();
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean chattr(String flag, Path path) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (immutable) {
            chattr("-i", path);
        }
        Files.setPosixFilePermissions(path, before);
    }
}
