package dev.ghactivity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.rocksdb.util.Environment;

/**
 * "Java 17 is all you need" holds on the machines users have: the runnable jar carries RocksDB's native
 * library for glibc Linux x86-64 and aarch64, macOS x86-64 and arm64 (Apple silicon) and Windows x64, and
 * none of the platforms nobody here runs on (each costs ~5 MB).
 */
class LocalJarNativeLibrariesIT {
    @Test
    void theJarHoldsRocksDbForLinuxMacOsAndWindowsOnX86AndArm() throws IOException {
        try (JarFile jar = new JarFile(LocalStackProcess.jar().toFile())) {
            List<String> natives = jar.stream().map(JarEntry::getName).filter(n -> n.startsWith("librocksdbjni")).sorted().toList();
            assertThat(natives).containsExactly(
                    "librocksdbjni-linux-aarch64.so",
                    "librocksdbjni-linux64.so",
                    "librocksdbjni-osx-arm64.jnilib",
                    "librocksdbjni-osx-x86_64.jnilib",
                    "librocksdbjni-win64.dll");
            // The name RocksDB's own loader asks for on this machine is among them.
            assertThat(natives).contains(Environment.getJniLibraryFileName("rocksdb"));
        }
    }
}
