package dev.ghactivity.streams;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The streams-app's Prometheus metrics: Kafka Streams' own (Micrometer's {@link KafkaStreamsMetrics} binder, which
 * includes its consumers' and producers') and {@code ghactivity_streams_records_skipped_total}. Every name gets
 * the {@code ghactivity_} prefix, so one scrape of the local stack (whose parts share a registry) stays apart
 * from other jobs' {@code kafka_*} series.
 */
final class StreamsMetrics implements AutoCloseable {
    static final String PREFIX = "ghactivity.";

    private final PrometheusMeterRegistry registry;
    private KafkaStreamsMetrics streamsBinder;

    StreamsMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** A Prometheus registry whose every meter name starts with {@code ghactivity_}. */
    static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(prefixed());
        return registry;
    }

    /** Adds the {@code ghactivity.} prefix to names without it. */
    static MeterFilter prefixed() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith(PREFIX) ? id : id.withName(PREFIX + id.getName());
            }
        };
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    void bind(KafkaStreams streams, SkippedRecords skipped) {
        FunctionCounter.builder("ghactivity.streams.records.skipped", skipped, SkippedRecords::count)
                .description("Input records this instance could not deserialize and wrote to the dead-letter topic")
                .register(registry);
        streamsBinder = new KafkaStreamsMetrics(streams);
        streamsBinder.bindTo(registry);
    }

    @Override
    public void close() {
        if (streamsBinder != null) {
            streamsBinder.close();
        }
    }
}
