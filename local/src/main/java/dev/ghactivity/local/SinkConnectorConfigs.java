package dev.ghactivity.local;

import dev.ghactivity.schemas.Topics;
import dev.ghactivity.sink.convert.MonthlyActivityConverter;
import dev.ghactivity.sink.convert.MonthlyActivityKeyConverter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The worker and connector configurations the local stack submits to its Connect worker. */
final class SinkConnectorConfigs {
    private SinkConnectorConfigs() {
    }

    /** A standalone worker on {@code bootstrapServers} that keeps its offsets in {@code offsetsFile}. */
    static Map<String, String> standaloneWorker(String bootstrapServers, Path offsetsFile) {
        Map<String, String> worker = new LinkedHashMap<>();
        worker.put("bootstrap.servers", bootstrapServers);
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("offset.storage.file.filename", offsetsFile.toString());
        worker.put("offset.flush.interval.ms", "500");
        worker.put("plugin.discovery", "service_load");
        worker.put("listeners", "http://127.0.0.1:0");
        // A clean stop waits for each sink task to stop (default 5 s): a task still flushing on a loaded machine was
        // abandoned with an ERROR, and its consumer, still running, logged WARNs once the broker had stopped after it.
        worker.put("task.shutdown.graceful.timeout.ms", "30000");
        // Sinks see only committed output of the exactly-once streams-app.
        worker.put("consumer.isolation.level", "read_committed");
        worker.put("consumer.auto.offset.reset", "earliest");
        return worker;
    }

    static Map<String, String> sqlite(String name, Path sqlitePath, String deadLetterTopic) {
        Map<String, String> c = common(name, "dev.ghactivity.sink.sqlite.SqliteSinkConnector", deadLetterTopic);
        c.put("sqlite.path", sqlitePath.toString());
        return c;
    }

    static Map<String, String> s3(String name, URI endpoint, String bucket, String region, String accessKey,
                                  String secretKey, Duration flushInterval, String deadLetterTopic) {
        Map<String, String> c = common(name, "dev.ghactivity.sink.s3.S3SinkConnector", deadLetterTopic);
        c.put("s3.bucket", bucket);
        c.put("s3.endpoint", endpoint.toString());
        c.put("s3.region", region);
        c.put("s3.path.style", "true");
        c.put("s3.mode", "snapshot");
        c.put("flush.interval.ms", String.valueOf(flushInterval.toMillis()));
        if (accessKey != null && secretKey != null) {
            c.put("s3.access.key.id", accessKey);
            c.put("s3.secret.access.key", secretKey);
        }
        return c;
    }

    private static Map<String, String> common(String name, String connectorClass, String deadLetterTopic) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("connector.class", connectorClass);
        c.put("tasks.max", "1");
        c.put("topics", Topics.MONTHLY_ACTIVITY);
        // The sinks' converters validate the key and decode the Avro value; a record they refuse, or one the task
        // cannot write, goes to the dead-letter topic through Connect's error handling; the rest keeps flowing.
        c.put("key.converter", MonthlyActivityKeyConverter.class.getName());
        c.put("value.converter", MonthlyActivityConverter.class.getName());
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", deadLetterTopic);
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("errors.deadletterqueue.context.headers.enable", "true");
        c.put("errors.log.enable", "true");
        return c;
    }
}
