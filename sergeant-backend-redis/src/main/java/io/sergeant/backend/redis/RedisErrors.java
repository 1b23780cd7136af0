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

import java.util.List;

/**
 * The one place where Jedis exceptions become {@link SergeantException}s. Connection problems,
 * timeouts, cluster redirection exhaustion and transient server states ({@code LOADING},
 * {@code CLUSTERDOWN}, ...) are {@code BACKEND_UNAVAILABLE}; authentication failures and other
 * server errors are {@code BACKEND_REFUSED}. Messages never carry a password: the target is always
 * a masked URI and Jedis' own message is masked again.
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

    private static boolean startsWithAny(String text, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (text.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
