package dev.ghactivity.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the numbers were measured on: cores, memory, CPU, OS, JVM and heap limit. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        String memory = os instanceof com.sun.management.OperatingSystemMXBean sun
                ? String.format(Locale.ROOT, "%.1f GiB RAM", sun.getTotalMemorySize() / (1024.0 * 1024 * 1024))
                : "RAM unknown";
        return String.format(Locale.ROOT, "%d cores (%s), %s, %s %s, Java %s (%s), heap max %d MB (-Xmx), G1",
                Runtime.getRuntime().availableProcessors(), cpuModel(), memory, os.getName(), os.getVersion(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    /** The 1-minute load average, or -1 where /proc/loadavg is not there: above the core count, others were using the cores too. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("CPU model unknown");
        } catch (IOException | RuntimeException e) {
            return "CPU model unknown";
        }
    }
}
