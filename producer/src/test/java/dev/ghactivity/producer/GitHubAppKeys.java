package dev.ghactivity.producer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.Base64;

/** RSA keys for GitHub App tests, generated with the JDK and written as PEM files the way GitHub and openssl write them. */
final class GitHubAppKeys {
    private GitHubAppKeys() {
    }

    static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code -----BEGIN PRIVATE KEY-----}: the JDK's own encoding of a private key. */
    static Path writePkcs8(KeyPair keys, Path file) throws IOException {
        return write(file, "PRIVATE KEY", keys.getPrivate().getEncoded());
    }

    /**
     * {@code -----BEGIN RSA PRIVATE KEY-----}, as GitHub generates it: the RFC 8017 (A.1.2) {@code RSAPrivateKey} sequence,
     * encoded here from the key's numbers (not from its PKCS#8 form, so the reader's envelope is tested independently).
     */
    static Path writePkcs1(KeyPair keys, Path file) throws IOException {
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) keys.getPrivate();
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        for (BigInteger n : new BigInteger[] {BigInteger.ZERO, k.getModulus(), k.getPublicExponent(), k.getPrivateExponent(),
                k.getPrimeP(), k.getPrimeQ(), k.getPrimeExponentP(), k.getPrimeExponentQ(), k.getCrtCoefficient()}) {
            fields.writeBytes(der(0x02, n.toByteArray()));
        }
        return write(file, "RSA PRIVATE KEY", der(0x30, fields.toByteArray()));
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (content.length < 128) {
            out.write(content.length);
        } else if (content.length < 256) {
            out.write(0x81);
            out.write(content.length);
        } else {
            out.write(0x82);
            out.write(content.length >> 8);
            out.write(content.length & 0xff);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static Path write(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }
}
