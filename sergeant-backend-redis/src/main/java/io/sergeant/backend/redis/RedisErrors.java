package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.spi.backend.BackendSpec;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.CertificateException;
import java.util.List;

/**
 * The one place where Jedis exceptions become {@link SergeantException}s. Connection problems,
 * timeouts, cluster redirection exhaustion and transient server states ({@code LOADING},
 * {@code CLUSTERDOWN}, ...) are {@code BACKEND_UNAVAILABLE}; authentication failures and other
 * server errors are {@code BACKEND_REFUSED}. Messages never carry a password: the target is always
 * a masked URI and Jedis' own message is masked again. TLS handshake failures name what to check: an
 * untrusted or misnamed server certificate and TLS against a plain port are {@code BACKEND_REFUSED}.
 */
final class RedisErrors {

    private static final List<String> TRANSIENT_PREFIXES =
            List.of("LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "NOREPLICAS");
    private static final List<String> AUTH_PREFIXES = List.of("NOAUTH", "WRONGPASS", "NOPERM");

    private RedisErrors() {
    }

    /** Whether the failure means the connection is gone (so idle pooled connections are suspect too). */
    static boolean isConnectionLoss(JedisException e) {
        return e instanceof JedisConnectionException || e.getCause() instanceof JedisConnectionException;
    }

    /**
     * Translates a Jedis failure.
     *
     * @param e         what Jedis threw
     * @param operation the backend operation, for the message
     * @param target    the masked URI of the node or cluster
     */
    static SergeantException translate(JedisException e, String operation, String target) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : BackendSpec.maskSecrets(e.getMessage());
        SSLException tls = cause(e, SSLException.class);
        if (tls != null) {
            return translateTls(e, tls, operation, target);
        }
        if (e instanceof JedisAccessControlException || startsWithAny(detail, AUTH_PREFIXES)) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED, "Redis at " + target + " refused " + operation
                    + " (" + detail + "); check the user and password in the URI and the user's ACL", e);
        }
        if (e instanceof JedisConnectionException || e instanceof JedisClusterOperationException
                || e instanceof JedisBusyException || isConnectionLoss(e)
                || startsWithAny(detail, TRANSIENT_PREFIXES)) {
            return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "Redis at " + target + " is unavailable for "
                    + operation + " (" + detail + "); check that the server runs and is reachable, the next call reconnects", e);
        }
        if (e instanceof JedisDataException) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED, "Redis at " + target + " refused " + operation
                    + " (" + detail + "); Sergeant needs Redis 6.2 or newer and keys it owns not to be modified by hand", e);
        }
        return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE,
                "Redis at " + target + " failed during " + operation + " (" + detail + ")", e);
    }

    /**
     * A failed TLS handshake. An untrusted or misnamed certificate, or TLS spoken to a plain port, will
     * not heal by retrying: {@code BACKEND_REFUSED}; anything else (the peer went away mid-handshake)
     * is {@code BACKEND_UNAVAILABLE}.
     */
    private static SergeantException translateTls(JedisException e, SSLException tls, String operation, String target) {
        String detail = tls.getMessage() == null ? tls.getClass().getSimpleName() : BackendSpec.maskSecrets(tls.getMessage());
        boolean certificate = cause(e, CertificateException.class) != null || cause(e, SSLPeerUnverifiedException.class) != null;
        if (certificate) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED, "TLS handshake with Redis at " + target
                    + " failed for " + operation + ": the server's certificate is not accepted (" + detail
                    + "); check that it is signed by a CA given in the option 'tlsCaCert' or 'tlsTrustStore' (without "
                    + "them: the JDK's default trust store) and that it names the host of the URI in its subject "
                    + "alternative names (or set 'tlsVerifyHostname' to false)", e);
        }
        if (String.valueOf(tls.getMessage()).contains("Unsupported or unrecognized SSL message")) {
            return new SergeantException(ErrorCode.BACKEND_REFUSED, "TLS handshake with Redis at " + target
                    + " failed for " + operation + ": the port does not speak TLS (" + detail + "); use redis:// "
                    + "for a plain port, or the server's tls-port with rediss://", e);
        }
        return new SergeantException(ErrorCode.BACKEND_UNAVAILABLE, "TLS connection to Redis at " + target
                + " failed for " + operation + " (" + detail + "); check that the server runs and that its tls-port "
                + "accepts this client (with tls-auth-clients yes it needs the option 'tlsKeyStore')", e);
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static boolean startsWithAny(String text, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (text.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
