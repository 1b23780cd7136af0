package io.sergeant.backend.redis;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.RedisInputStream;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 *
 * <p><b>A reply has a deadline.</b> The whole reply must arrive within the read timeout from the moment
 * the command was sent: the socket's timeout alone bounds each read, so a server (or a proxy) that sends a
 * byte now and then would hold the worker for ever. Before each read from the socket (when the connection's
 * buffer is empty; every byte of the reply is read through that check, its length lines included) the socket's
 * timeout is cut to what is left of the deadline; past it the read fails with {@link CutReply}. Bytes already
 * buffered are read without the clock: a reply that arrives in a few socket reads costs a few clock readings, not
 * one per payload (docs/decisions.md, "One clock reading per reply read and per group of payloads"). The payloads read whole before a
 * reply was cut (the connection closed, the deadline passed, bytes that are no reply) stay in {@code out},
 * and {@link CutReply} says how many the reply held: the caller hands them on rather than losing them too
 * (docs/guarantees.md, "A pop whose reply is cut").
 *
 * <p>The same reader, with the same deadline check and size bounds, reads the short replies of the commands that
 * bury the oversized payloads on the pop's connection ({@link #replies}, {@link #next}).
 *
 * <p>Stateless and thread safe; each call uses the connection it is given, on the calling thread.
 */
final class BoundedPop {

    /** The largest piece of an oversized payload held at once. */
    static final int CHUNK = 1 << 20;

    /**
     * The longest error reply taken, in bytes: Redis' own errors for {@code LPOP} are a line of under a hundred
     * bytes; a longer one is no Redis reply and is refused as a malformed reply rather than held whole. Also the
     * longest line or string taken in a short reply ({@link #next}).
     */
    static final int MAX_ERROR_LINE = 4096;
    /** The longest value taken from a {@code BLPOP} key other than the queue's (a wake-up signal, a stop). */
    static final int MAX_SIGNAL = 64;
    /**
     * How long, once its reader finds the deadline passed, a {@code BLPOP} reply's bytes that have already arrived
     * are still read (each read waiting at most 1 ms; see {@link Reply}): a worker frozen past the deadline still
     * gets the task the server popped for it, while a reply that keeps coming is cut at most this much later.
     */
    static final long BLPOP_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** The most elements of an array taken in a short reply ({@link #next}); its arrays nest at most two deep. */
    static final int MAX_SHORT_ELEMENTS = 16;

    private static final VarHandle INPUT;
    private static final MethodHandle FLUSH;
    /** The buffer's read position and end in {@link RedisInputStream}; null: not reachable, so every read is checked. */
    private static final VarHandle BUFFER_AT;
    private static final VarHandle BUFFER_END;
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
        VarHandle at = null;
        VarHandle end = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(RedisInputStream.class, MethodHandles.lookup());
            at = lookup.findVarHandle(RedisInputStream.class, "count", int.class);
            end = lookup.findVarHandle(RedisInputStream.class, "limit", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            at = null;
            end = null;
        }
        BUFFER_AT = end == null ? null : at;
        BUFFER_END = at == null ? null : end;
        SEES_BUFFER = BUFFER_AT != null;
    }

    /**
     * Whether the stream's buffer can be seen, so the clock is read only before reads that can reach the socket;
     * false: the fallback, the clock read before every read of the reply (as safe, slower).
     */
    static final boolean SEES_BUFFER;

    /** Whether {@code in} holds a byte in its buffer, so its next read does not touch the socket. */
    static boolean buffered(RedisInputStream in) {
        return BUFFER_AT != null && (int) BUFFER_AT.get(in) < (int) BUFFER_END.get(in);
    }

    private BoundedPop() {
    }

    /**
     * The reply of an {@code LPOP} ended before it was whole (the connection closed or failed, the reply's
     * deadline passed, or bytes arrived that are not such a reply). The payloads read whole before it are in
     * the caller's list; {@link #expected()} is how many the reply held, or -1 when its header was not read.
     */
    static class CutReply extends JedisConnectionException {
        private static final long serialVersionUID = 1L;
        private final int expected;

        CutReply(String message, int expected, Throwable cause) {
            super(message, cause);
            this.expected = expected;
        }

        /** How many payloads the cut reply held (the server took them off the list), or -1 when not known. */
        int expected() {
            return expected;
        }
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
     * one to {@code oversized}. Returns how many payloads the reply held (kept and oversized). The reply must
     * arrive whole within {@code deadline} of the send (see the class comment).
     *
     * @throws JedisDataException the server's error reply (say {@code WRONGTYPE}); the connection stays usable
     * @throws CutReply the connection failed, the deadline passed or the reply was not an {@code LPOP} reply;
     *         the connection is marked broken, and {@code out} keeps the payloads read whole before
     */
    static int lpop(Connection connection, byte[] key, int count, int maxBytes, Duration deadline, List<byte[]> out,
                    Oversized oversized) {
        return lpop(connection, key, count, maxBytes, deadline, out, oversized, !SEES_BUFFER);
    }

    /** As {@link #lpop(Connection, byte[], int, int, Duration, List, Oversized)}; {@code everyRead}: the fallback (tests). */
    static int lpop(Connection connection, byte[] key, int count, int maxBytes, Duration deadline, List<byte[]> out,
                    Oversized oversized, boolean everyRead) {
        if (!AVAILABLE) {
            throw new IllegalStateException("the bounded pop is not available with this Jedis");
        }
        long start = System.nanoTime();
        send(connection, key, count);
        return read(connection, count, maxBytes, start, deadline, out, oversized, everyRead);
    }

    /**
     * Writes {@code LPOP key count} on {@code connection} and flushes it, without reading the reply: the first half
     * of a pipelined pop ({@link RedisPopPipeline}); {@link #read} reads the reply. The server may have run the pop
     * even when the flush fails (the bytes may have left before the failure).
     *
     * @throws redis.clients.jedis.exceptions.JedisConnectionException the write failed before anything was sent
     *         (Jedis marked the connection broken)
     * @throws CutReply the flush failed; the connection is marked broken, and the reply (if the server ran the pop)
     *         is lost with it
     */
    static void send(Connection connection, byte[] key, int count) {
        if (!AVAILABLE) {
            throw new IllegalStateException("the bounded pop is not available with this Jedis");
        }
        // A failure here is Jedis' own (the connection marked broken by it); nothing reached the server yet.
        connection.sendCommand(new CommandArguments(Protocol.Command.LPOP).key(key)
                .add(Integer.toString(count).getBytes(StandardCharsets.US_ASCII)));
        try {
            FLUSH.invokeExact(connection);
        } catch (Throwable e) {
            connection.setBroken();
            throw new CutReply("the reply of LPOP " + count + " was cut after 0 of its payload(s): " + e.getMessage()
                    + "; the connection was dropped", -1, e);
        }
    }

    /**
     * Flushes the commands written on {@code connection} (Jedis' {@code sendCommand} only buffers them).
     *
     * @throws JedisConnectionException the flush failed; the connection is marked broken
     */
    static void flush(Connection connection) {
        if (!AVAILABLE) {
            throw new IllegalStateException("the bounded reply reader is not available with this Jedis");
        }
        try {
            FLUSH.invokeExact(connection);
        } catch (Throwable e) {
            connection.setBroken();
            throw e instanceof JedisConnectionException c ? c : new JedisConnectionException(e);
        }
    }

    /**
     * Reads the reply of an {@code LPOP key count} sent on {@code connection} ({@link #send}), as {@link #lpop} does:
     * the reply must arrive whole within {@code deadline} of {@code start} ({@link System#nanoTime()}).
     *
     * @throws JedisDataException the server's error reply; the connection stays usable
     * @throws CutReply as {@link #lpop}; the connection is marked broken
     */
    static int read(Connection connection, int count, int maxBytes, long start, Duration deadline, List<byte[]> out,
                    Oversized oversized, boolean everyRead) {
        Reply reply = new Reply(connection, "LPOP", start + deadline.toNanos(), deadline, everyRead);
        try {
            RedisInputStream in = (RedisInputStream) INPUT.get(connection);
            int size = read(in, maxBytes, out, oversized, reply);
            reply.restore();
            return size;
        } catch (JedisDataException e) {
            reply.restore();
            throw e; // an error reply, read whole: the connection is in step
        } catch (Throwable e) {
            connection.setBroken();
            throw new CutReply("the reply of LPOP " + count + " was cut after " + out.size() + " of "
                    + (reply.size < 0 ? "its" : Integer.toString(reply.size)) + " payload(s): "
                    + (reply.expired() ? reply.late() : e.getMessage()) + "; the connection was dropped"
                    + (e instanceof Malformed ? " (is the backend's address a Redis server, with nothing between that"
                            + " alters its replies?)" : ""), reply.size, e);
        }
    }

    /**
     * Flushes the commands written on {@code connection} and starts one deadline, {@code deadline} from now, for
     * reading their replies with {@link #next} (the replies of a pipeline read as one reply: docs/decisions.md,
     * "A burial's replies are read bounded, and a cut one keeps the batch"). The caller gives the socket back its
     * timeout ({@link Reply#restore()}) once every reply was read, or marks the connection broken when one failed.
     *
     * @throws JedisConnectionException the flush failed
     */
    static Reply replies(Connection connection, String command, Duration deadline) {
        if (!AVAILABLE) {
            throw new IllegalStateException("the bounded reply reader is not available with this Jedis");
        }
        Reply reply = new Reply(connection, command, System.nanoTime() + deadline.toNanos(), deadline, !SEES_BUFFER);
        try {
            FLUSH.invokeExact(connection);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new JedisConnectionException(e);
        }
        return reply;
    }

    /**
     * Reads the next short reply on {@code connection} within {@code reply}'s deadline, as Jedis' {@code getOne}
     * would give it for the replies of {@code SET}, {@code APPEND}, {@code DEL} and a script's table of numbers: an
     * integer as a {@link Long}, a status or a string as {@code byte[]}, an array as a {@link List}, a null as null.
     * Every byte is read through the deadline check; a line or a string over {@link #MAX_ERROR_LINE} bytes, an array
     * over {@link #MAX_SHORT_ELEMENTS} elements or nested deeper than two, and any other type are refused as
     * malformed, so a broken or hostile server costs at most the deadline and a few kilobytes.
     *
     * @throws JedisDataException an error reply, read whole (the connection stays in step)
     * @throws JedisConnectionException the deadline passed, the connection failed or the bytes were no such reply
     *         ({@link Malformed}); the caller drops the connection
     */
    static Object next(Connection connection, Reply reply) {
        return next((RedisInputStream) INPUT.get(connection), reply, 0);
    }

    /** As {@link #next(Connection, Reply)}, from {@code in}; {@code depth}: how deep inside arrays. */
    static Object next(RedisInputStream in, Reply reply, int depth) {
        byte type = readByte(in, reply);
        switch (type) {
            case '-' -> throw new JedisDataException(text(line(in, reply, "an error reply")));
            case '+' -> {
                return line(in, reply, "a status reply");
            }
            case ':' -> {
                return readNumber(in, reply, 18, "a malformed integer", "an integer of -0");
            }
            case '_' -> {
                crlf(in, reply);
                return null;
            }
            case '$' -> {
                int length = readLength(in, reply);
                if (length < 0) {
                    return null;
                }
                if (length > MAX_ERROR_LINE) {
                    throw unexpected(reply, "a string of " + length + " bytes (at most " + MAX_ERROR_LINE + " expected)");
                }
                byte[] value = new byte[length];
                readFully(in, value, length, reply);
                crlf(in, reply);
                return value;
            }
            case '*' -> {
                int size = readLength(in, reply);
                if (size < 0) {
                    return null;
                }
                if (size > MAX_SHORT_ELEMENTS || depth >= 2) {
                    throw unexpected(reply, "an array of " + size + " elements at depth " + depth + " (at most "
                            + MAX_SHORT_ELEMENTS + " elements, two deep, expected)");
                }
                List<Object> values = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    values.add(next(in, reply, depth + 1));
                }
                return values;
            }
            default -> throw unexpected(reply, "a reply of type " + shown(type));
        }
    }

    /** The deadline of one reply, applied to the connection's socket before each read. */
    static final class Reply {
        private final Connection connection;
        /** What the reply answers, for messages ({@code LPOP}). */
        private final String command;
        private final long deadline;
        private final Duration timeout;
        /** The socket's own timeout, in ms, given back after the reply. */
        private final int original;
        /** The socket timeout last set, in ms (0: not set yet). */
        private int set;
        /** True: the clock is read before every read, buffered or not (the fallback where the buffer cannot be seen). */
        private final boolean everyRead;
        /** How many payloads the reply's header announced; -1 until read. */
        int size = -1;
        /**
         * How long, from the first read that finds the deadline passed, bytes that have already arrived are still
         * read (each read then waits at most 1 ms): a reader frozen past its deadline (a long pause, SIGSTOP), however
         * long, finds a reply that came whole meanwhile; one that keeps reading is cut at most this much past the
         * deadline. 0: none (the reply is cut at its deadline).
         */
        private final long graceNanos;
        /** When the grace ends (nanoTime); 0 until a read found the deadline passed. */
        private long graceEnd;

        /** {@code connection} null: no socket to cut (tests reading from a stream), only the deadline checked. */
        Reply(Connection connection, long deadline, Duration timeout) {
            this(connection, "LPOP", deadline, timeout, !SEES_BUFFER);
        }

        /**
         * As above, for the reply of {@code command}; {@code everyRead}: check the deadline before every read, as
         * where the buffer cannot be seen.
         */
        Reply(Connection connection, String command, long deadline, Duration timeout, boolean everyRead) {
            this(connection, command, deadline, timeout, everyRead, 0);
        }

        /** As above; {@code graceNanos}: see {@link #graceNanos}. */
        Reply(Connection connection, String command, long deadline, Duration timeout, boolean everyRead,
              long graceNanos) {
            this.graceNanos = graceNanos;
            this.connection = connection;
            this.command = command;
            this.deadline = deadline;
            this.timeout = timeout;
            this.everyRead = everyRead;
            this.original = connection == null ? 0 : connection.getSoTimeout();
        }

        /** Gives the socket back its own timeout, after a reply read whole (the connection goes back to the pool). */
        void restore() {
            if (set != 0) {
                connection.setSoTimeout(original);
            }
        }

        /** Whether the deadline passed (a read that timed out then was cut by it). */
        boolean expired() {
            return deadline - System.nanoTime() <= 0;
        }

        /** Why a reply past its deadline was given up. */
        String late() {
            return "the reply" + (command.equals("LPOP") ? "" : " of " + command) + " did not arrive whole within "
                    + timeout.toMillis()
                    + " ms (the backend's read timeout, its option 'timeout'): the server or the network stalls, or"
                    + (command.equals("LPOP") ? " the batch is too large for the link (then raise 'timeout' or lower"
                            + " tasksPerTransaction)" : " the payload is too large for the link (then raise 'timeout')");
        }

        /**
         * Before a read from {@code in}: nothing when its buffer holds a byte (the read does not wait), else as
         * {@link #beforeRead()}.
         */
        void beforeRead(RedisInputStream in) {
            if (everyRead || !buffered(in)) {
                beforeRead();
            }
        }

        /** Before a read from the socket: fails past the deadline, else lets the socket wait at most what is left of it. */
        void beforeRead() {
            long now = System.nanoTime();
            long left = deadline - now;
            if (left <= 0) {
                if (graceEnd == 0 && graceNanos > 0) {
                    graceEnd = (now + graceNanos) | 1; // never 0
                }
                if (connection == null || graceNanos == 0 || now - graceEnd >= 0) {
                    throw new JedisConnectionException(late());
                }
                // Past the deadline, within the grace: read only what has arrived already; a read that would wait
                // times out at once (and is reported as late: expired() is true).
                if (set != 1) {
                    connection.setSoTimeout(1);
                    set = 1;
                }
                return;
            }
            // Rounded up: a read that times out does so at or after the deadline, never a fraction of a ms before
            // it, so the failure names the deadline (expired()) rather than a bare socket timeout.
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
            if (connection != null && millis != set) {
                connection.setSoTimeout(millis);
                set = millis;
            }
        }
    }

    /** Reads one {@code LPOP key count} reply (RESP2 or RESP3), with no deadline; for tests. */
    static int read(RedisInputStream in, int maxBytes, List<byte[]> out, Oversized oversized) {
        return read(in, maxBytes, out, oversized, new Reply(null, Long.MAX_VALUE, Duration.ofNanos(Long.MAX_VALUE)));
    }

    /** Reads one {@code LPOP key count} reply (RESP2 or RESP3) within {@code reply}'s deadline. */
    static int read(RedisInputStream in, int maxBytes, List<byte[]> out, Oversized oversized, Reply reply) {
        byte type = readByte(in, reply);
        switch (type) {
            case '-' -> throw new JedisDataException(text(line(in, reply, "an error reply")));
            case '_' -> {
                crlf(in, reply); // RESP3 null: nothing was popped
                return 0;
            }
            case '*' -> {
                // A RESP2 null array (-1) is an empty list
            }
            default -> throw unexpected(reply, "a reply of type " + shown(type));
        }
        int size = readLength(in, reply);
        reply.size = Math.max(size, 0);
        for (int i = 0; i < size; i++) {
            byte element = readByte(in, reply);
            if (element != '$') {
                throw unexpected(reply, "an element of type " + shown(element));
            }
            int length = readLength(in, reply);
            if (length < 0) {
                throw unexpected(reply, "a null element ($-1)");
            }
            if (maxBytes > 0 && length > maxBytes) {
                streamOversized(in, length, oversized, reply);
            } else {
                byte[] payload = new byte[length];
                readFully(in, payload, length, reply);
                out.add(payload);
            }
            crlf(in, reply);
        }
        return Math.max(size, 0);
    }

    /**
     * What a {@code BLPOP} gave: the key it popped from and, for a value of at most the bound, the value; null
     * {@code value} when it was longer and went to the {@link Oversized} sink.
     */
    record Blpopped(byte[] key, byte[] value) {
    }

    /**
     * Reads the reply of a {@code BLPOP key... timeout} sent on {@code connection} (by the caller, flushed) with the
     * bounds of an {@code LPOP} reply: the key at most {@code maxKeyBytes} bytes (the longest key the command named; at
     * least {@link #MAX_ERROR_LINE} is allowed), a value from a key other than {@code payloadKey} (null: any key
     * carries payloads) at most {@link #MAX_SIGNAL} bytes, a value over {@code maxBytes}
     * ({@code 0}: no bound) streamed to {@code oversized} and never held whole, the whole reply within
     * {@code deadline} of {@code start}. Returns null when the wait timed out (a null reply).
     *
     * @throws JedisDataException the server's error reply (say {@code WRONGTYPE}); the connection stays usable
     * @throws ForeignValue a value over {@link #MAX_SIGNAL} bytes from a key other than {@code payloadKey}: no task
     *         (the server took it off a wake-up list or a stop key); the connection is marked broken
     * @throws CutReply the connection failed, the deadline passed or the bytes were no {@code BLPOP} reply; the
     *         connection is marked broken (a value the server popped is then lost with it)
     */
    static Blpopped readBlpop(Connection connection, int maxBytes, int maxKeyBytes, byte[] payloadKey, long start,
                              Duration deadline, Oversized oversized) {
        if (!AVAILABLE) {
            throw new IllegalStateException("the bounded reply reader is not available with this Jedis");
        }
        // A grace past the deadline for bytes already here: the reply may carry a task the server already popped.
        Reply reply = new Reply(connection, "BLPOP", start + deadline.toNanos(), deadline, !SEES_BUFFER,
                BLPOP_GRACE_NANOS);
        try {
            Blpopped popped = readBlpop((RedisInputStream) INPUT.get(connection), maxBytes,
                    Math.max(MAX_ERROR_LINE, maxKeyBytes), payloadKey, oversized, reply);
            reply.restore();
            return popped;
        } catch (JedisDataException e) {
            reply.restore();
            throw e; // an error reply, read whole: the connection is in step
        } catch (ForeignValue e) {
            connection.setBroken(); // the value is left unread
            throw e;
        } catch (Throwable e) {
            connection.setBroken();
            throw new CutReply("the reply of BLPOP was cut: " + (reply.expired() ? reply.late() : e.getMessage())
                    + "; the connection was dropped" + (e instanceof Malformed ? " (is the backend's address a Redis"
                            + " server, with nothing between that alters its replies?)" : ""), reply.size, e);
        }
    }

    /** Reads one {@code BLPOP} reply (RESP2 or RESP3) within {@code reply}'s deadline; see {@link #readBlpop}. */
    static Blpopped readBlpop(RedisInputStream in, int maxBytes, int maxKeyBytes, byte[] payloadKey, Oversized oversized,
                              Reply reply) {
        byte type = readByte(in, reply);
        switch (type) {
            case '-' -> throw new JedisDataException(text(line(in, reply, "an error reply")));
            case '_' -> {
                crlf(in, reply); // RESP3 null: the wait timed out
                return null;
            }
            case '*' -> {
                // below
            }
            default -> throw unexpected(reply, "a reply of type " + shown(type));
        }
        int size = readLength(in, reply);
        if (size < 0) {
            return null; // RESP2 null array: the wait timed out
        }
        if (size != 2) {
            throw unexpected(reply, "an array of " + size + " elements (a key and a value expected)");
        }
        reply.size = 1;
        if (readByte(in, reply) != '$') {
            throw unexpected(reply, "a key that is not a bulk string");
        }
        int keyLength = readLength(in, reply);
        if (keyLength < 0 || keyLength > maxKeyBytes) {
            throw unexpected(reply, "a key of " + keyLength + " bytes (the longest key named has " + maxKeyBytes + ")");
        }
        byte[] key = new byte[keyLength];
        readFully(in, key, keyLength, reply);
        crlf(in, reply);
        byte element = readByte(in, reply);
        if (element != '$') {
            throw unexpected(reply, "a value of type " + shown(element));
        }
        int length = readLength(in, reply);
        if (length < 0) {
            throw unexpected(reply, "a null value ($-1)");
        }
        if (payloadKey != null && length > MAX_SIGNAL && !Arrays.equals(key, payloadKey)) {
            // A wake-up signal or a stop, not a task: never buried as a dead letter of the queue, nor held.
            throw new ForeignValue("a value of " + length + " bytes from a key other than the queue's ('"
                    + new String(key, StandardCharsets.UTF_8) + "', a wake-up list or a stop key, whose signals have at"
                    + " most " + MAX_SIGNAL + " bytes): no task; dropped unread with the connection");
        }
        byte[] value = null;
        if (maxBytes > 0 && length > maxBytes) {
            streamOversized(in, length, oversized, reply);
        } else {
            value = new byte[length];
            readFully(in, value, length, reply);
        }
        crlf(in, reply);
        return new Blpopped(key, value);
    }

    private static byte readByte(RedisInputStream in, Reply reply) {
        reply.beforeRead(in);
        return in.readByte();
    }

    /**
     * The text of a line reply ({@code what}: an error reply or a status reply; its type byte read), up to its CRLF,
     * read a byte at a time through the deadline check (Jedis' {@code readLine} would read on from the socket for
     * as long as bytes come, past any deadline and into memory) and refused past {@link #MAX_ERROR_LINE} bytes.
     */
    private static byte[] line(RedisInputStream in, Reply reply, String what) {
        byte[] line = new byte[64];
        int length = 0;
        for (byte b = readByte(in, reply); b != '\r'; b = readByte(in, reply)) {
            if (length == MAX_ERROR_LINE) {
                throw unexpected(reply, what + " longer than " + MAX_ERROR_LINE + " bytes");
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(MAX_ERROR_LINE, 2 * length));
            }
            line[length++] = b;
        }
        if (readByte(in, reply) != '\n') {
            throw unexpected(reply, what + " not ended by CRLF");
        }
        return Arrays.copyOf(line, length);
    }

    private static String text(byte[] line) {
        return new String(line, StandardCharsets.UTF_8);
    }

    /**
     * A RESP length line ({@code -1} or up to ten digits, then CRLF), read a byte at a time through the deadline
     * check: Jedis' own {@code readIntCrLf} reads on from the socket for as long as digits come.
     */
    private static int readLength(RedisInputStream in, Reply reply) {
        long value = readNumber(in, reply, 10, "a malformed length",
                "a length of -0 (only -1, a null, is a negative length)");
        if (value > Integer.MAX_VALUE) {
            throw unexpected(reply, "a malformed length");
        }
        if (value < -1) {
            throw unexpected(reply, "a length of " + value + " (only -1, a null, is a negative length)");
        }
        return (int) value;
    }

    /**
     * A RESP number line of at most {@code maxDigits} digits (at most 18), read as {@link #readLength} reads one;
     * {@code malformed}, {@code minusZero}: what a malformed line and {@code -0} are refused as.
     */
    private static long readNumber(RedisInputStream in, Reply reply, int maxDigits, String malformed, String minusZero) {
        byte b = readByte(in, reply);
        boolean negative = b == '-';
        if (negative) {
            b = readByte(in, reply);
        }
        long value = 0;
        int digits = 0;
        while (b != '\r') {
            if (b < '0' || b > '9' || ++digits > maxDigits) {
                throw unexpected(reply, malformed);
            }
            value = value * 10 + (b - '0');
            b = readByte(in, reply);
        }
        if (digits == 0 || readByte(in, reply) != '\n') {
            throw unexpected(reply, malformed);
        }
        if (negative && value == 0) {
            throw unexpected(reply, minusZero);
        }
        return negative ? -value : value;
    }

    private static void streamOversized(RedisInputStream in, int length, Oversized oversized, Reply reply) {
        byte[] chunk = new byte[Math.min(CHUNK, length)];
        oversized.begin(length);
        for (int left = length; left > 0; ) {
            int n = Math.min(chunk.length, left);
            readFully(in, chunk, n, reply);
            oversized.chunk(chunk, n);
            left -= n;
        }
        oversized.end();
    }

    private static void readFully(RedisInputStream in, byte[] into, int length, Reply reply) {
        for (int at = 0; at < length; ) {
            reply.beforeRead(in);
            int n = in.read(into, at, length - at);
            if (n < 0) {
                throw new JedisConnectionException("the connection closed inside a reply of " + reply.command);
            }
            at += n;
        }
    }

    private static void crlf(RedisInputStream in, Reply reply) {
        if (readByte(in, reply) != '\r' || readByte(in, reply) != '\n') {
            throw unexpected(reply, "a value not followed by CRLF");
        }
    }

    private static JedisConnectionException unexpected(Reply reply, String what) {
        return new Malformed("unexpected reply to " + reply.command + ": " + what);
    }

    /** A byte of a reply as text: itself in quotes when printable ASCII, else its hex value. */
    private static String shown(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xff);
    }

    /**
     * A {@code BLPOP} reply whose value, from a key that carries only signals (a wake-up list, a stop key), is longer
     * than any signal ({@link #MAX_SIGNAL}): no task was popped, so nothing is lost; the value is dropped unread and
     * the connection with it (marked broken). Neither a connection loss nor a server's error reply.
     */
    static final class ForeignValue extends JedisException {
        private static final long serialVersionUID = 1L;

        ForeignValue(String message) {
            super(message);
        }
    }

    /** Bytes that are no {@code LPOP} reply (the connection is then dropped by {@link #lpop}). */
    static final class Malformed extends JedisConnectionException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }
}
