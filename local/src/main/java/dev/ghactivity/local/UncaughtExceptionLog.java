package dev.ghactivity.local;

import org.apache.kafka.streams.processor.internals.StreamThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's default for a thread that ends on an exception nobody caught is a whole stack trace on stderr, beside the
 * one line the command prints. This logs it instead: one ERROR line at the default level ({@code OneLineThrowableConverter}
 * gives the trace at DEBUG). A Kafka Streams thread's exception was handed to the streams-app's failure policy
 * ({@code StreamThreadFailurePolicy}, which logged it and replaced the thread or stopped the streams); Streams then
 * rethrows it to end the thread, so it is logged at DEBUG only.
 */
final class UncaughtExceptionLog implements Thread.UncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(UncaughtExceptionLog.class);

    @Override
    public void uncaughtException(Thread thread, Throwable e) {
        if (thread instanceof StreamThread) {
            LOG.debug("stream thread {} ended on the exception the streams-app's failure policy handled", thread.getName(), e);
            return;
        }
        LOG.error("thread {} stopped on an uncaught exception", thread.getName(), e);
    }
}
