package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** HTTPS_PROXY / HTTP_PROXY / NO_PROXY as curl reads them (the JVM's own settings are not set in this test JVM). */
class GitHubProxySelectorTest {
    @Test
    void httpsUrlsGoThroughHttpsProxyExceptNoProxyHosts() {
        GitHubProxySelector selector = new GitHubProxySelector(Map.of("HTTPS_PROXY", "http://proxy.corp:3128",
                "NO_PROXY", "localhost,.internal.example, github.corp:443"));
        assertThat(selector.select(URI.create("https://api.github.com/repos/a/b/commits")))
                .containsExactly(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128)));
        assertThat(selector.select(URI.create("https://ghe.internal.example/api/v3"))).containsExactly(Proxy.NO_PROXY);
        assertThat(selector.select(URI.create("https://github.corp/api/v3"))).containsExactly(Proxy.NO_PROXY);
        assertThat(selector.select(URI.create("http://localhost:8080"))).containsExactly(Proxy.NO_PROXY);
    }

    @Test
    void lowerCaseNamesAndAProxyWithoutSchemeAreAccepted() {
        GitHubProxySelector selector = new GitHubProxySelector(Map.of("http_proxy", "proxy.corp:8080"));
        assertThat(selector.select(URI.create("http://127.0.0.1:9/x")))
                .containsExactly(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 8080)));
        assertThat(selector.select(URI.create("https://api.github.com"))).containsExactly(Proxy.NO_PROXY);
    }

    @Test
    void noProxyStarBypassesEverythingAndABadProxyIsOneLine() {
        assertThat(new GitHubProxySelector(Map.of("HTTPS_PROXY", "http://p:1", "NO_PROXY", "*")).select(URI.create("https://api.github.com")))
                .containsExactly(Proxy.NO_PROXY);
        assertThatThrownBy(() -> new GitHubProxySelector(Map.of("HTTPS_PROXY", "http://[bad")).environmentProxy("https"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("HTTPS_PROXY is not a proxy URL (expected http://host:port)");
    }
}
