package dev.ghactivity.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Peak heap use while it runs. The true peak is just before a collection, so every GC notification adds
 * the heap pools' use before that GC; a 20 ms sampler covers the stretches between collections. Also
 * keeps the largest heap left after a collection (with G1 young collections this includes old garbage not yet collected: an upper bound of the live set), and GC counts and time.
 */
final class HeapWatch implements AutoCloseable {
    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final AtomicLong gcs = new AtomicLong();
    private final AtomicLong gcMillis = new AtomicLong();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final NotificationListener listener = this::onGc;
    private final Thread sampler;
    private volatile boolean closed;

    HeapWatch() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
        }
        sampler = new Thread(() -> {
            var memory = ManagementFactory.getMemoryMXBean();
            while (!closed) {
                peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        var gc = info.getGcInfo();
        peakUsed.accumulateAndGet(heapUsed(gc.getMemoryUsageBeforeGc()), Math::max);
        if (!info.getGcCause().equals("No GC")) {
            peakAfterGc.accumulateAndGet(heapUsed(gc.getMemoryUsageAfterGc()), Math::max);
        }
        gcs.incrementAndGet();
        gcMillis.addAndGet(gc.getDuration());
    }

    private long heapUsed(Map<String, MemoryUsage> pools) {
        return pools.entrySet().stream().filter(e -> heapPools.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
    }

    long peakUsedMb() {
        return peakUsed.get() / (1024 * 1024);
    }

    long peakLiveMb() {
        return peakAfterGc.get() / (1024 * 1024);
    }

    long collections() {
        return gcs.get();
    }

    long gcMillis() {
        return gcMillis.get();
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            try {
                ((NotificationEmitter) gc).removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException e) {
                // already gone
            }
        }
    }
}
