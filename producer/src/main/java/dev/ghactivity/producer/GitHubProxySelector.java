package dev.ghactivity.producer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.Authenticator;
import okhttp3.Credentials;
import okhttp3.HttpUrl;

/**
 * The proxy for GitHub requests: the JVM's own settings when any is given ({@code -Dhttps.proxyHost},
 * {@code -Dhttp.proxyHost}, {@code -Djava.net.useSystemProxies=true}, with {@code http.nonProxyHosts}), else the
 * environment variables curl and most tools read: {@code HTTPS_PROXY} (for https URLs) or {@code HTTP_PROXY}
 * (for http), lower case accepted, except hosts matched by {@code NO_PROXY} (comma-separated host names or
 * domain suffixes, {@code *} for all). A proxy URL with {@code user:password@} answers the proxy's 407 with
 * basic credentials.
 */
final class GitHubProxySelector extends ProxySelector {
    private final ProxySelector jvm = ProxySelector.getDefault();
    private final Map<String, String> env;

    GitHubProxySelector(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public List<Proxy> select(URI uri) {
        if (jvmConfigured() && jvm != null) {
            return jvm.select(uri);
        }
        HttpUrl proxy = environmentProxy(uri.getScheme());
        if (proxy == null || bypassed(uri.getHost())) {
            return List.of(Proxy.NO_PROXY);
        }
        return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.host(), proxy.port())));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException e) {
        if (jvmConfigured() && jvm != null) {
            jvm.connectFailed(uri, address, e);
        }
    }

    /** Basic credentials from the environment proxy's URL, for a 407; none (null) otherwise. */
    Authenticator authenticator() {
        return (route, response) -> {
            HttpUrl proxy = environmentProxy(response.request().url().scheme());
            if (jvmConfigured() || proxy == null || proxy.username().isEmpty()
                    || response.request().header("Proxy-Authorization") != null) {
                return null; // no credentials, or they were refused already
            }
            return response.request().newBuilder()
                    .header("Proxy-Authorization", Credentials.basic(proxy.username(), proxy.password()))
                    .build();
        };
    }

    private static boolean jvmConfigured() {
        return System.getProperty("https.proxyHost") != null || System.getProperty("http.proxyHost") != null
                || Boolean.getBoolean("java.net.useSystemProxies");
    }

    /** The proxy of the environment for this scheme, or null; a value without a scheme means http://. */
    HttpUrl environmentProxy(String scheme) {
        String name = "https".equalsIgnoreCase(scheme) ? "HTTPS_PROXY" : "HTTP_PROXY";
        String value = variable(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        value = value.strip();
        HttpUrl url = HttpUrl.parse(value.contains("://") ? value : "http://" + value);
        if (url == null) {
            throw new IllegalArgumentException(name + " is not a proxy URL (expected http://host:port)");
        }
        return url;
    }

    /** Whether {@code NO_PROXY} names this host: exactly, as a domain suffix ({@code .example.com} or {@code example.com}), or {@code *}. */
    boolean bypassed(String host) {
        String noProxy = variable("NO_PROXY");
        if (noProxy == null || host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : noProxy.split(",")) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            int colon = e.lastIndexOf(':');
            if (colon > 0 && e.indexOf(':') == colon) {
                e = e.substring(0, colon); // host:port: the port is not compared
            }
            if (e.equals("*")) {
                return true;
            }
            String domain = e.startsWith(".") ? e.substring(1) : e;
            if (!domain.isEmpty() && (h.equals(domain) || h.endsWith("." + domain))) {
                return true;
            }
        }
        return false;
    }

    private String variable(String upperCaseName) {
        String value = env.get(upperCaseName);
        return value != null ? value : env.get(upperCaseName.toLowerCase(Locale.ROOT));
    }
}
