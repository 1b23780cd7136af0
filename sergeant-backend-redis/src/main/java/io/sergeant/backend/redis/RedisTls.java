package io.sergeant.backend.redis;

import io.sergeant.spi.PluginOptions;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The TLS settings of {@code rediss://} nodes, built from the backend options (see the module's
 * README.md):
 * <ul>
 *   <li>{@code tlsCaCert}: a PEM (or DER) file with the CA certificate(s) to trust, the same file a
 *       Redis server takes as {@code tls-ca-cert-file};</li>
 *   <li>{@code tlsTrustStore} (+ {@code tlsTrustStorePassword}): a PKCS12 or JKS key store with the
 *       certificates to trust (the type is detected); exclusive with {@code tlsCaCert};</li>
 *   <li>{@code tlsKeyStore} (+ {@code tlsKeyStorePassword}): a PKCS12 or JKS key store holding the
 *       client's key and certificate, for servers with {@code tls-auth-clients yes};</li>
 *   <li>{@code tlsVerifyHostname} (default {@code true}): whether the server certificate must name
 *       the host of the URI (a DNS name or IP address in its subject alternative names).</li>
 * </ul>
 * Without a trust option the JDK's default trust store is used (which honours the standard
 * {@code javax.net.ssl.trustStore} system properties). Files are read once, when the backend is
 * created. Immutable and thread safe.
 *
 * @param socketFactory the factory for TLS sockets, or null for the JDK default one
 * @param verifyHostname whether the server's certificate must match the host name
 */
record RedisTls(SSLSocketFactory socketFactory, boolean verifyHostname) {

    static final String CA_CERT = "tlsCaCert";
    static final String TRUST_STORE = "tlsTrustStore";
    static final String TRUST_STORE_PASSWORD = "tlsTrustStorePassword";
    static final String KEY_STORE = "tlsKeyStore";
    static final String KEY_STORE_PASSWORD = "tlsKeyStorePassword";
    static final String VERIFY_HOSTNAME = "tlsVerifyHostname";

    /** All TLS option names. */
    static final List<String> OPTIONS =
            List.of(CA_CERT, TRUST_STORE, TRUST_STORE_PASSWORD, KEY_STORE, KEY_STORE_PASSWORD, VERIFY_HOSTNAME);

    /** Plain JDK defaults: default trust store, host name verified. */
    static final RedisTls DEFAULTS = new RedisTls(null, true);

    /**
     * Reads the TLS options. Every problem is added to {@code problems} (never quoting a password)
     * and the defaults are returned in that case.
     *
     * @param options  the backend options
     * @param anyTls   whether some node of the URI uses TLS; TLS options are a mistake otherwise
     * @param problems where problems are collected
     */
    static RedisTls of(PluginOptions options, boolean anyTls, List<String> problems) {
        List<String> given = OPTIONS.stream().filter(options.asMap()::containsKey).toList();
        if (given.isEmpty()) {
            return DEFAULTS;
        }
        if (!anyTls) {
            problems.add("option(s) " + given + " apply to TLS connections only; use rediss:// URIs");
            return DEFAULTS;
        }
        int before = problems.size();
        boolean verifyHostname = true;
        try {
            verifyHostname = options.bool(VERIFY_HOSTNAME, true);
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        String caCert = options.string(CA_CERT, null);
        String trustStore = options.string(TRUST_STORE, null);
        String keyStore = options.string(KEY_STORE, null);
        if (caCert != null && trustStore != null) {
            problems.add("options '" + CA_CERT + "' and '" + TRUST_STORE + "' exclude each other; give the CA "
                    + "certificate(s) either as a PEM file or as a key store");
        }
        if (trustStore == null && options.asMap().containsKey(TRUST_STORE_PASSWORD)) {
            problems.add("option '" + TRUST_STORE_PASSWORD + "' needs '" + TRUST_STORE + "'");
        }
        if (keyStore == null && options.asMap().containsKey(KEY_STORE_PASSWORD)) {
            problems.add("option '" + KEY_STORE_PASSWORD + "' needs '" + KEY_STORE + "'");
        }
        if (problems.size() > before) {
            return DEFAULTS;
        }
        TrustManager[] trustManagers = null;
        KeyManager[] keyManagers = null;
        if (caCert != null) {
            trustManagers = trustManagers(caCertificates(caCert, problems));
        } else if (trustStore != null) {
            trustManagers = trustManagers(keyStore(TRUST_STORE, trustStore,
                    options.string(TRUST_STORE_PASSWORD, null), problems));
        }
        if (keyStore != null) {
            String password = options.string(KEY_STORE_PASSWORD, null);
            keyManagers = keyManagers(keyStore(KEY_STORE, keyStore, password, problems), password, problems);
        }
        if (problems.size() > before) {
            return DEFAULTS;
        }
        if (trustManagers == null && keyManagers == null) {
            return new RedisTls(null, verifyHostname);
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return new RedisTls(context.getSocketFactory(), verifyHostname);
        } catch (GeneralSecurityException e) {
            problems.add("cannot set up TLS from the options (" + e.getMessage() + ")");
            return DEFAULTS;
        }
    }

    /**
     * The parameters to put on every TLS socket: with host name verification the JDK's HTTPS
     * endpoint identification (RFC 2818: subject alternative names, DNS or IP); otherwise parameters
     * without an endpoint identification algorithm, so that only the certificate chain is checked.
     * Never null: given no parameters, Jedis 8 turns HTTPS endpoint identification on by itself
     * (Jedis 6 and 7 did not), so "do not verify" has to be said explicitly.
     */
    SSLParameters sslParameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
        return parameters;
    }

    /** A description for logs: never contains a password. */
    @Override
    public String toString() {
        return "RedisTls[" + (socketFactory == null ? "JDK default trust" : "configured trust/key material")
                + ", verifyHostname=" + verifyHostname + "]";
    }

    private static KeyStore caCertificates(String file, List<String> problems) {
        Path path = Path.of(file);
        try (InputStream in = Files.newInputStream(path)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                problems.add("option '" + CA_CERT + "': '" + file + "' holds no certificate; expected a PEM file "
                        + "with one or more '-----BEGIN CERTIFICATE-----' blocks");
                return null;
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            return store;
        } catch (IOException e) {
            problems.add("option '" + CA_CERT + "': cannot read '" + file + "' (" + e + ")");
        } catch (GeneralSecurityException e) {
            problems.add("option '" + CA_CERT + "': '" + file + "' is not a PEM or DER X.509 certificate file ("
                    + e.getMessage() + ")");
        }
        return null;
    }

    private static KeyStore keyStore(String option, String file, String password, List<String> problems) {
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            problems.add("option '" + option + "': '" + file + "' does not exist or cannot be read");
            return null;
        }
        try {
            return KeyStore.getInstance(path.toFile(), password == null ? null : password.toCharArray());
        } catch (IOException e) {
            problems.add("option '" + option + "': cannot open the key store '" + file + "' (" + e.getMessage()
                    + "); check its password option ('" + option + "Password') and that it is PKCS12 or JKS");
        } catch (GeneralSecurityException e) {
            problems.add("option '" + option + "': '" + file + "' is not a PKCS12 or JKS key store ("
                    + e.getMessage() + ")");
        }
        return null;
    }

    private static TrustManager[] trustManagers(KeyStore store) {
        if (store == null) {
            return null;
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's default trust manager is unavailable", e);
        }
    }

    private static KeyManager[] keyManagers(KeyStore store, String password, List<String> problems) {
        if (store == null) {
            return null;
        }
        try {
            if (!hasKeyEntry(store)) {
                problems.add("option '" + KEY_STORE + "': the key store holds no private key; expected the client's "
                        + "key with its certificate (for example from `openssl pkcs12 -export`)");
                return null;
            }
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password == null ? new char[0] : password.toCharArray());
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            problems.add("option '" + KEY_STORE + "': cannot use the client key in the key store ("
                    + e.getMessage() + "); check '" + KEY_STORE_PASSWORD + "' (the key's password must equal the "
                    + "store's)");
            return null;
        }
    }

    private static boolean hasKeyEntry(KeyStore store) throws KeyStoreException {
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return true;
            }
        }
        return false;
    }
}
