package io.sergeant.backend.redis;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.RedisInputStream;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The at-most-once pop of a full batch as a plain {@code LPOP <queue> <count>}, whose reply is read here
 * with every payload bounded (docs/decisions.md, "At-most-once pop without Lua"; the same {@code LPOP} as
 * Python Sergeant's pop, docs/python-compat.md §3.2). The guarded pop script
 * ({@code pop_due.lua}) must copy every payload into Lua and back to check its size, which cost the server
 * about five times the {@code LPOP} itself; here the server sends the payloads as they are and the size
 * check moves to the reply: a payload within {@code maxBytes} is read into an array, a longer one is never
 * held whole on the worker's heap but handed in chunks of at most {@link #CHUNK} bytes to an
 * {@link Oversized} sink (which streams it back to the server as a dead letter), so a hostile producer's
 * 512 MB payload costs the worker one chunk of memory, as before.
 *
 * <p>Jedis reads a reply whole, so the reply is read from the connection's own input stream, reached by
 * a private lookup into {@link Connection} (its field {@code inputStream} and method {@code flush()},
 * the same in Jedis 6, 7 and 8). Where that lookup fails (another Jedis, a module path that does not
 * open it), {@link #AVAILABLE} is false and callers keep the script. Any failure while the reply is
 * read marks the connection broken, so the pool never lends out a connection left inside a reply.
 * Stateless and thread safe; each call uses the connection it is given, on the calling thread.
 */
final class BoundedPop {

    /** The largest piece of an oversized payload held at once. */
    static final int CHUNK = 1 << 20;

    private static final VarHandle INPUT;
    private static final MethodHandle FLUSH;
    /** Whether the connection's stream could be reached; false keeps callers on the script. */
    static final boolean AVAILABLE;

    static {
        VarHandle input = null;
        MethodHandle flush = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Connection.class, MethodHandles.lookup());
            input = lookup.findVarHandle(Connection.class, "inputStream", RedisInputStream.class);
            flush = lookup.findVirtual(Connection.class, "flush", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            input = null;
            flush = null;
        }
        INPUT = input;
        FLUSH = flush;
        AVAILABLE = input != null && flush != null;
    }

    private BoundedPop() {
    }

    /** Receives a payload longer than the bound, piece by piece, while the reply is read. */
    interface Oversized {
        /** A payload of {@code length} bytes begins. */
        void begin(long length);

        /** The next {@code length} bytes of it, in {@code chunk} (reused after the call returns). */
        void chunk(byte[] chunk, int length);

        /** The payload ended: every byte went to {@link #chunk}. */
        void end();
    }

    /**
     * Sends {@code LPOP key count} on {@code connection} and reads its reply: adds every payload of at most
     * {@code maxBytes} bytes ({@code 0}: no bound) to {@code out} in the list's order and hands every longer
     * one to {@code oversized}. Returns how many payloads the reply held (kept and oversized).
     *
     * @throws JedisDataException the server's error reply (say {@code WRONGTYPE}); the connection stays usable
     * @throws JedisConnectionException the connection failed or the reply was not an {@code LPOP} reply; the
     *         connection is marked broken
     */
    static int lpop(Connection connection, byte[] key, int count, int maxBytes, List<byte[]> out, Oversized oversized) {
        if (!AVAILABLE) {
            throw new IllegalStateException("the bounded pop is not available with this Jedis");
        }
        connection.sendCommand(new CommandArguments(Protocol.Command.LPOP).key(key)
                .add(Integer.toString(count).getBytes(StandardCharsets.US_ASCII)));
        try {
            FLUSH.invokeExact(connection);
            RedisInputStream in = (RedisInputStream) INPUT.get(connection);
            return read(in, maxBytes, out, oversized);
        } catch (JedisDataException e) {
            throw e; // an error reply, read whole: the connection is in step
        } catch (RuntimeException | Error e) {
            connection.setBroken();
            throw e;
        } catch (Throwable e) {
            connection.setBroken();
            throw new JedisConnectionException("reading the reply of LPOP failed: " + e, e);
        }
    }

    /** Reads one {@code LPOP key count} reply (RESP2 or RESP3). */
    static int read(RedisInputStream in, int maxBytes, List<byte[]> out, Oversized oversized) {
        byte type = in.readByte();
        switch (type) {
            case '-' -> throw new JedisDataException(in.readLine());
            case '_' -> {
                crlf(in); // RESP3 null: nothing was popped
                return 0;
            }
            case '*' -> {
                // A RESP2 null array (-1) is an empty list
            }
            default -> throw unexpected("a reply of type '" + (char) type + "'");
        }
        int size = in.readIntCrLf();
        for (int i = 0; i < size; i++) {
            byte element = in.readByte();
            if (element != '$') {
                throw unexpected("an element of type '" + (char) element + "'");
            }
            int length = in.readIntCrLf();
            if (length < 0) {
                throw unexpected("a null element");
            }
            if (maxBytes > 0 && length > maxBytes) {
                streamOversized(in, length, oversized);
            } else {
                byte[] payload = new byte[length];
                readFully(in, payload, length);
                out.add(payload);
            }
            crlf(in);
        }
        return Math.max(size, 0);
    }

    private static void streamOversized(RedisInputStream in, int length, Oversized oversized) {
        byte[] chunk = new byte[Math.min(CHUNK, length)];
        oversized.begin(length);
        for (int left = length; left > 0; ) {
            int n = Math.min(chunk.length, left);
            readFully(in, chunk, n);
            oversized.chunk(chunk, n);
            left -= n;
        }
        oversized.end();
    }

    private static void readFully(RedisInputStream in, byte[] into, int length) {
        for (int at = 0; at < length; ) {
            int n = in.read(into, at, length - at);
            if (n < 0) {
                throw new JedisConnectionException("the connection closed inside a reply of LPOP");
            }
            at += n;
        }
    }

    private static void crlf(RedisInputStream in) {
        if (in.readByte() != '\r' || in.readByte() != '\n') {
            throw unexpected("a value not followed by CRLF");
        }
    }

    private static JedisConnectionException unexpected(String what) {
        return new JedisConnectionException("unexpected reply to LPOP: " + what + "; the connection was dropped");
    }
}
