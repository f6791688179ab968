package dev.ghactivity.sink.s3;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Settings of {@link S3SinkConnector}. */
public final class S3SinkConfig extends AbstractConfig {
    public enum Mode { SNAPSHOT, CHANGELOG }

    public enum Compression {
        GZIP(".jsonl.gz"), NONE(".jsonl");

        final String extension;

        Compression(String extension) {
            this.extension = extension;
        }
    }

    public static final String BUCKET = "s3.bucket";
    public static final String PREFIX = "s3.prefix";
    public static final String ENDPOINT = "s3.endpoint";
    public static final String REGION = "s3.region";
    public static final String PATH_STYLE = "s3.path.style";
    public static final String ACCESS_KEY_ID = "s3.access.key.id";
    public static final String SECRET_ACCESS_KEY = "s3.secret.access.key";
    public static final String BUCKET_CREATE = "s3.bucket.create";
    public static final String MODE = "s3.mode";
    public static final String FLUSH_MAX_RECORDS = "flush.max.records";
    public static final String FLUSH_INTERVAL_MS = "flush.interval.ms";
    public static final String COMPRESSION = "compression";
    public static final String SNAPSHOT_CACHED_MONTHS = "s3.snapshot.cached.months";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(BUCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, pattern("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "a valid S3 bucket name"),
                    Importance.HIGH, "Bucket the objects are written to.")
            .define(PREFIX, Type.STRING, "monthly-activity", pattern("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*", "path segments of letters, digits, '.', '_', '-'"),
                    Importance.MEDIUM, "Key prefix: objects go under <prefix>/month=YYYY-MM/ (snapshot) or <prefix>/changelog/month=YYYY-MM/.")
            .define(ENDPOINT, Type.STRING, "", uri(), Importance.MEDIUM,
                    "Endpoint override for S3-compatible stores (MinIO, S3Proxy), e.g. http://127.0.0.1:9000. Empty: AWS.")
            .define(REGION, Type.STRING, "us-east-1", new ConfigDef.NonEmptyString(), Importance.MEDIUM, "AWS region.")
            .define(PATH_STYLE, Type.BOOLEAN, false, Importance.LOW, "Path-style access (bucket in the path), needed by MinIO and S3Proxy.")
            .define(ACCESS_KEY_ID, Type.PASSWORD, null, Importance.MEDIUM,
                    "Access key id; when unset the AWS default credentials chain is used.")
            .define(SECRET_ACCESS_KEY, Type.PASSWORD, null, Importance.MEDIUM,
                    "Secret access key; never logged.")
            .define(BUCKET_CREATE, Type.BOOLEAN, false, Importance.LOW, "Create the bucket on start if it does not exist.")
            .define(MODE, Type.STRING, "snapshot", ConfigDef.CaseInsensitiveValidString.in("snapshot", "changelog"), Importance.HIGH,
                    "snapshot: one object per month and partition with the latest row of every repository; "
                            + "changelog: append-only objects named by topic, partition and start offset.")
            .define(FLUSH_MAX_RECORDS, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Flush a partition after this many records.")
            .define(FLUSH_INTERVAL_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Flush a partition with unwritten records after this long, even when no more records arrive.")
            .define(COMPRESSION, Type.STRING, "gzip", ConfigDef.CaseInsensitiveValidString.in("gzip", "none"), Importance.LOW,
                    "Object compression: gzip (.jsonl.gz) or none (.jsonl).")
            .define(SNAPSHOT_CACHED_MONTHS, Type.INT, 120, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "snapshot mode: months per partition whose rows stay in memory between flushes; a month dropped "
                            + "is read back from its object the next time a record touches it.")
            .define(MAX_RETRIES, Type.INT, 10, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Retries of a failed S3 request before the task fails.")
            .define(RETRY_BACKOFF_MS, Type.LONG, 1000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "Wait before Connect redelivers after a failed S3 request.");

    public S3SinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
        if (isSet(ACCESS_KEY_ID) != isSet(SECRET_ACCESS_KEY)) {
            throw new ConfigException(ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + " go together: set both or neither");
        }
    }

    private static ConfigDef.Validator pattern(String regex, String what) {
        return (name, value) -> {
            if (value == null || !((String) value).matches(regex)) {
                throw new ConfigException(name, value, "must be " + what);
            }
        };
    }

    private static ConfigDef.Validator uri() {
        return (name, value) -> {
            String v = (String) value;
            if (v != null && !v.isEmpty()) {
                try {
                    URI u = URI.create(v);
                    if (u.getScheme() == null || u.getHost() == null) {
                        throw new IllegalArgumentException("no scheme or host");
                    }
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, "must be an http(s) URL: " + e.getMessage());
                }
            }
        };
    }

    public String bucket() {
        return getString(BUCKET);
    }

    public String prefix() {
        return getString(PREFIX);
    }

    public URI endpoint() {
        String v = getString(ENDPOINT);
        return v.isEmpty() ? null : URI.create(v);
    }

    public String region() {
        return getString(REGION);
    }

    public boolean pathStyle() {
        return getBoolean(PATH_STYLE);
    }

    /** The access key id, or null (also when set to an empty string) for the AWS default credentials chain. */
    public Password accessKeyId() {
        return isSet(ACCESS_KEY_ID) ? getPassword(ACCESS_KEY_ID) : null;
    }

    public Password secretAccessKey() {
        return isSet(SECRET_ACCESS_KEY) ? getPassword(SECRET_ACCESS_KEY) : null;
    }

    private boolean isSet(String key) {
        Password p = getPassword(key);
        return p != null && !p.value().isEmpty();
    }

    public boolean bucketCreate() {
        return getBoolean(BUCKET_CREATE);
    }

    public Mode mode() {
        return Mode.valueOf(getString(MODE).toUpperCase(Locale.ROOT));
    }

    public int flushMaxRecords() {
        return getInt(FLUSH_MAX_RECORDS);
    }

    public long flushIntervalMs() {
        return getLong(FLUSH_INTERVAL_MS);
    }

    public Compression compression() {
        return Compression.valueOf(getString(COMPRESSION).toUpperCase(Locale.ROOT));
    }

    public int snapshotCachedMonths() {
        return getInt(SNAPSHOT_CACHED_MONTHS);
    }

    public int maxRetries() {
        return getInt(MAX_RETRIES);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }
}
