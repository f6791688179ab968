package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a GitHub App's PEM key: both encodings GitHub and openssl write, and one clear line for every bad file. */
class GitHubAppKeyTest {
    @TempDir
    Path dir;
    static KeyPair keys;

    @BeforeAll
    static void generate() {
        keys = GitHubAppKeys.generate();
    }

    @Test
    void aPkcs1KeyAsGitHubGeneratesItIsReadAsTheSameKey() throws Exception {
        RSAPrivateKey read = GitHubAppKey.read(GitHubAppKeys.writePkcs1(keys, dir.resolve("app.pem")));
        RSAPrivateCrtKey original = (RSAPrivateCrtKey) keys.getPrivate();
        assertThat(read.getModulus()).isEqualTo(original.getModulus());
        assertThat(read.getPrivateExponent()).isEqualTo(original.getPrivateExponent());
        assertThat(read.getEncoded()).isEqualTo(original.getEncoded());
    }

    @Test
    void aPkcs8KeyIsReadAsTheSameKey() throws Exception {
        RSAPrivateKey read = GitHubAppKey.read(GitHubAppKeys.writePkcs8(keys, dir.resolve("app.pem")));
        assertThat(read.getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void everyBadFileIsOneLineNamingTheFileAndWhatIsWrongWithoutAnyKeyMaterial() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> GitHubAppKey.read(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the GitHub App private key file " + missing + " does not exist (--github-app-private-key)");

        Path notPem = Files.writeString(dir.resolve("token.txt"), "ghp_notakey\n");
        assertThatThrownBy(() -> GitHubAppKey.read(notPem)).hasMessage("the GitHub App private key file " + notPem
                + " holds no PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----) (--github-app-private-key)");

        // A truncated key: valid base64, not a valid key. Nothing of its content may show in the message.
        String good = Files.readString(GitHubAppKeys.writePkcs1(keys, dir.resolve("good.pem")));
        String[] lines = good.split("\n");
        String truncatedBody = String.join("\n", java.util.Arrays.copyOfRange(lines, 1, 6));
        Path truncated = Files.writeString(dir.resolve("truncated.pem"), "-----BEGIN RSA PRIVATE KEY-----\n" + truncatedBody
                + "\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> GitHubAppKey.read(truncated)).hasMessage("the GitHub App private key file " + truncated
                + " is not a valid RSA private key (--github-app-private-key)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(lines[1].substring(0, 16)));

        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        Path ecKey = Files.writeString(dir.resolve("ec.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(ec.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> GitHubAppKey.read(ecKey)).hasMessage("the GitHub App private key file " + ecKey
                + " is not a valid RSA private key (--github-app-private-key)");

        Path encrypted = Files.writeString(dir.resolve("enc.pem"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> GitHubAppKey.read(encrypted)).hasMessage("the GitHub App private key file " + encrypted
                + " holds an encrypted key: give the unencrypted PEM file GitHub generated (--github-app-private-key)");

        Path certificate = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> GitHubAppKey.read(certificate)).hasMessage("the GitHub App private key file " + certificate
                + " holds a CERTIFICATE, not an RSA private key: give the PEM file GitHub generated for the app (--github-app-private-key)");
    }
}
