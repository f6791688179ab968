package dev.ghactivity.producer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a GitHub App's private key from a PEM file: PKCS#1 ({@code -----BEGIN RSA PRIVATE KEY-----}, what GitHub
 * generates) or PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, what {@code openssl pkcs8 -topk8 -nocrypt} gives).
 * The JDK's {@link KeyFactory} reads PKCS#8 only, so a PKCS#1 key is first put into a PKCS#8 envelope (its DER is the
 * content of PKCS#8's key octet string: RFC 5208 section 5, RFC 8017 appendix A.1.2) rather than bringing in
 * BouncyCastle (several MB in the fat jar) for these few bytes. Errors name the file and what is wrong, never a byte
 * of the key.
 */
public final class GitHubAppKey {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    /** {@code AlgorithmIdentifier} of rsaEncryption (OID 1.2.840.113549.1.1.1) with NULL parameters, DER. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private GitHubAppKey() {
    }

    /**
     * The RSA private key of a PEM file.
     *
     * @throws IllegalArgumentException with one line naming the file and what is wrong (missing, unreadable, no PEM
     *                                  private key, encrypted, not RSA, not a valid key)
     */
    public static RSAPrivateKey read(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw invalid(file, "does not exist");
        } catch (AccessDeniedException e) {
            throw invalid(file, "cannot be read (permission denied)");
        } catch (IOException e) {
            throw invalid(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        Matcher m = PEM.matcher(pem);
        if (!m.find()) {
            throw invalid(file, "holds no PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)");
        }
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw invalid(file, "is not valid PEM (its base64 cannot be decoded)");
        }
        byte[] pkcs8 = switch (type) {
            case "RSA PRIVATE KEY" -> pkcs8Of(der);
            case "PRIVATE KEY" -> der;
            case "ENCRYPTED PRIVATE KEY" -> throw invalid(file, "holds an encrypted key: give the unencrypted PEM file GitHub generated");
            default -> throw invalid(file, "holds a " + type + ", not an RSA private key: give the PEM file GitHub generated for the app");
        };
        try {
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | ClassCastException e) {
            // The JDK's message is not shown: nothing of the key's content goes to a log.
            throw invalid(file, "is not a valid RSA private key");
        }
    }

    /** A PKCS#1 {@code RSAPrivateKey} (DER) in a PKCS#8 {@code PrivateKeyInfo}: version 0, rsaEncryption, the key. */
    static byte[] pkcs8Of(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.writeBytes(tagged(0x04, pkcs1));
        return tagged(0x30, body.toByteArray());
    }

    /** A DER element: tag, definite length (short or long form), content. */
    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static IllegalArgumentException invalid(Path file, String what) {
        return new IllegalArgumentException("the GitHub App private key file " + file + " " + what
                + " (--github-app-private-key)");
    }
}
