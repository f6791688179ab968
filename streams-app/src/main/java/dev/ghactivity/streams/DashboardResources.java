package dev.ghactivity.streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard's static files, from the classpath: the page and its script ({@code dashboard/} beside this class)
 * and the chart library from its WebJar ({@code org.webjars.npm:chart.js}, {@code /webjars/chart.js/<file>}
 * without the version, which is read from the WebJar's {@code pom.properties}). Nothing from a CDN.
 */
final class DashboardResources {
    /** Only plain names: no {@code ..}, no encoded characters reach the class loader. */
    private static final Pattern SAFE = Pattern.compile("^/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$");
    private static final String CHART_JS = "/webjars/chart.js/";
    private static final Map<String, Resource> CACHE = new ConcurrentHashMap<>();
    private static final Resource MISSING = new Resource("", new byte[0]);

    private DashboardResources() {
    }

    /** A file to serve. */
    record Resource(String contentType, byte[] bytes) {
    }

    /** The file at a request path, or null when there is none (the caller answers 404). */
    static Resource find(String path) {
        String classpath;
        if (path.equals("/") || path.equals("/index.html")) {
            classpath = "dev/ghactivity/streams/dashboard/index.html";
        } else if (!SAFE.matcher(path).matches()) {
            return null;
        } else if (path.startsWith(CHART_JS)) {
            classpath = "META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/" + path.substring(CHART_JS.length());
        } else if (path.startsWith("/dashboard/")) {
            classpath = "dev/ghactivity/streams" + path;
        } else {
            return null;
        }
        Resource r = CACHE.computeIfAbsent(classpath, DashboardResources::load);
        return r == MISSING ? null : r;
    }

    private static Resource load(String classpath) {
        try (InputStream in = DashboardResources.class.getClassLoader().getResourceAsStream(classpath)) {
            return in == null ? MISSING : new Resource(contentType(classpath), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + classpath + " from the classpath", e);
        }
    }

    private static String chartJsVersion() {
        String props = "META-INF/maven/org.webjars.npm/chart.js/pom.properties";
        try (InputStream in = DashboardResources.class.getClassLoader().getResourceAsStream(props)) {
            if (in == null) {
                throw new IllegalStateException("the chart.js WebJar is not on the classpath (" + props + " missing)");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + props, e);
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (name.endsWith(".map") || name.endsWith(".json")) {
            return "application/json";
        }
        return "application/octet-stream";
    }
}
