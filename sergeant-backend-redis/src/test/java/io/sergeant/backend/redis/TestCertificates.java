package io.sergeant.backend.redis;

import io.sergeant.testkit.servers.RedisServerProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away TLS material for tests, made with the {@code openssl} command line in a directory the
 * caller owns (a {@code @TempDir}): a test CA, server certificates signed by it, a client key store,
 * and PKCS12 trust stores. Keys are EC P-256 (fast to make); certificates are valid for two days.
 *
 * @param dir              where the files are
 * @param caCert           the test CA's certificate (PEM)
 * @param serverCert       a server certificate for {@code IP:127.0.0.1} and {@code DNS:localhost} (PEM)
 * @param serverKey        its key (PEM)
 * @param wrongNameCert    a server certificate, signed by the test CA, that names only {@code redis.example}
 * @param wrongNameKey     its key
 * @param trustStore       PKCS12 trust store with the test CA, password {@link #PASSWORD}
 * @param otherTrustStore  PKCS12 trust store with an unrelated CA only, password {@link #PASSWORD}
 * @param clientKeyStore   PKCS12 key store with a client key and certificate signed by the test CA,
 *                         password {@link #PASSWORD}
 */
record TestCertificates(Path dir, Path caCert, Path serverCert, Path serverKey, Path wrongNameCert, Path wrongNameKey,
                        Path trustStore, Path otherTrustStore, Path clientKeyStore) {

    /** The password of every store made here. */
    static final String PASSWORD = "test-store-pass";

    /**
     * Makes all files in {@code dir}.
     *
     * @throws IllegalStateException when {@code openssl} is missing or fails (with its output)
     */
    static TestCertificates create(Path dir) {
        Path ca = dir.resolve("ca.crt");
        Path caKey = dir.resolve("ca.key");
        selfSignedCa(dir, "Sergeant Test CA", caKey, ca);
        Path serverCert = dir.resolve("server.crt");
        Path serverKey = dir.resolve("server.key");
        signed(dir, "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
                ca, caKey, serverKey, serverCert);
        Path wrongCert = dir.resolve("wrong-name.crt");
        Path wrongKey = dir.resolve("wrong-name.key");
        signed(dir, "redis.example", "subjectAltName=DNS:redis.example\nextendedKeyUsage=serverAuth\n",
                ca, caKey, wrongKey, wrongCert);
        Path clientCert = dir.resolve("client.crt");
        Path clientKey = dir.resolve("client.key");
        signed(dir, "sergeant-client", "extendedKeyUsage=clientAuth\n", ca, caKey, clientKey, clientCert);
        Path clientStore = dir.resolve("client.p12");
        openssl(dir, "pkcs12", "-export", "-in", clientCert.toString(), "-inkey", clientKey.toString(),
                "-name", "client", "-out", clientStore.toString(), "-passout", "pass:" + PASSWORD);
        Path otherCa = dir.resolve("other-ca.crt");
        selfSignedCa(dir, "Unrelated CA", dir.resolve("other-ca.key"), otherCa);
        Path trustStore = dir.resolve("trust.p12");
        trustStore(ca, trustStore);
        Path otherTrustStore = dir.resolve("other-trust.p12");
        trustStore(otherCa, otherTrustStore);
        return new TestCertificates(dir, ca, serverCert, serverKey, wrongCert, wrongKey, trustStore, otherTrustStore,
                clientStore);
    }

    /** Starts a server whose TLS port presents {@link #serverCert}. */
    RedisServerProcess startServer(String... extraArgs) {
        return RedisServerProcess.startTls(serverCert, serverKey, caCert, extraArgs);
    }

    private static void selfSignedCa(Path dir, String name, Path key, Path cert) {
        openssl(dir, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private static void signed(Path dir, String commonName, String extensions, Path ca, Path caKey, Path key, Path cert) {
        Path csr = dir.resolve(cert.getFileName() + ".csr");
        Path ext = dir.resolve(cert.getFileName() + ".ext");
        try {
            Files.writeString(ext, extensions, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + commonName);
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-set_serial", Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)),
                "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
    }

    private static void trustStore(Path caCert, Path store) {
        try (InputStream in = Files.newInputStream(caCert); OutputStream out = Files.newOutputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            keyStore.store(out, PASSWORD.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the trust store " + store, e);
        }
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        try {
            command.add(RedisServerProcess.binary("openssl"));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("openssl was not found on the PATH; the TLS tests make their certificates "
                    + "with it: install it, for example with `apt-get install openssl`", e);
        }
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl did not finish within 30 s: " + command);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("openssl failed (" + process.exitValue() + "): " + command + "\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run openssl " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
    }
}
