package io.sergeant.it.reliability;

import java.util.Objects;

/**
 * One line of a delivery history: what happened to which task, where and when. Every producer, worker
 * and test process writes the same format, one record per line, tab separated:
 * {@code kind id pid ppid millis due digest delivery} (a line without {@code delivery}, the format before it
 * existed, reads as {@value #NO_DELIVERY}).
 *
 * <ul>
 *   <li>{@link Kind#ATTEMPTED} {@code A}: a producer is about to push the task (written before push());</li>
 *   <li>{@link Kind#PUSHED} {@code P}: push() returned, so the backend acknowledged the write;</li>
 *   <li>{@link Kind#FETCHED} {@code F}: a worker's backend returned the task from a pop (it holds it now);</li>
 *   <li>{@link Kind#STARTED} {@code S}: a worker began {@code work} for the task (one delivery);</li>
 *   <li>{@link Kind#COMPLETED} {@code C}: {@code work} finished;</li>
 *   <li>{@link Kind#ACKED} {@code K}: a worker's ack (alone or with a pop) settled its leased delivery of the
 *       task; written once the call returned (a kill between the two loses the record, never invents one);</li>
 *   <li>{@link Kind#REAPED} {@code R}: a worker's reap of expired leases, stamped when the call began, written
 *       when it returned (so every reap in the history had finished);</li>
 *   <li>{@link Kind#KILLED} {@code X}: the test sent SIGKILL to process {@code pid} (and its descendants);</li>
 *   <li>{@link Kind#PAUSED} {@code Z}: the test stopped process {@code pid} with SIGSTOP (resumed later): like a
 *       kill, it may make the tasks the process held run again elsewhere;</li>
 *   <li>{@link Kind#POP_SENT} {@code Q}: a worker's pop pipeline sent a pop ({@code PopPipeline.send} returned),
 *       written ahead to the backend ({@code id} {@value #SENT_AHEAD}: the server pops while the worker runs its
 *       batch) or deferred to an ordinary pop at the receive ({@value #SENT_DEFERRED}), or {@value #SENT_UNKNOWN}
 *       when the backend shows neither; written by the recording backend before the send's caller goes on.</li>
 * </ul>
 *
 * <p>{@code ppid} is the parent of the writing process when it started (for a child JVM of the process
 * executor, the worker process), so a kill of a worker also accounts for its children's records.
 * {@code due} is the epoch millisecond a delayed task becomes deliverable, or 0. {@code digest} is
 * {@link TaskDigest} of the task's kwargs as the producer pushed them ({@code A}, {@code P}) or as the
 * worker received them ({@code S}), or {@code -} where it does not apply. {@code delivery} names one delivery
 * of the task: the workers' recording backend ({@link RecordingBackendFactory}) gives every delivery a pop
 * returns a token of its own ({@code l…} leased, {@code u…} not; {@code u<pid>.p<n>} for one received through a
 * pop pipeline, {@link #pipelined()}), writes it in the delivery's {@code F} and
 * {@code K} records and hands it to the worker in the task's kwargs ({@value #DELIVERY_KWARG}), which
 * writes it in its {@code S} and {@code C} records. So the checker pairs a start with its ack or its
 * completion by identity, never by time.
 *
 * @param kind   what happened
 * @param id     the task id, or {@code -} for a kill, a pause or a reap, or how a pipelined pop was sent
 *               ({@link Kind#POP_SENT})
 * @param pid    the writing process, or the killed process for {@link Kind#KILLED}
 * @param ppid   the parent of the writing process, or 0
 * @param millis wall-clock epoch milliseconds of the event (one clock: every process runs on this machine)
 * @param due    epoch milliseconds from which a delayed task may run, or 0
 * @param digest   the kwargs digest, or {@value #NO_DIGEST}
 * @param delivery the delivery's token, or {@value #NO_DELIVERY}
 */
public record HistoryRecord(Kind kind, String id, long pid, long ppid, long millis, long due, String digest,
                            String delivery) {

    /** The digest field of records that carry none. */
    public static final String NO_DIGEST = "-";
    /** The delivery field of records that name no delivery. */
    public static final String NO_DELIVERY = "-";
    /** The kwarg in which the recording backend hands a delivery's token to the worker. */
    public static final String DELIVERY_KWARG = "_delivery";
    /**
     * What follows the first {@code .} of the token of a delivery received through a pop pipeline
     * ({@code u<pid>.p<n>}; {@link #pipelined()}).
     */
    public static final String PIPELINED_MARK = "p";
    /** The {@code id} of a {@link Kind#POP_SENT} record whose pop was written to the backend at the send. */
    public static final String SENT_AHEAD = "ahead";
    /** The {@code id} of a {@link Kind#POP_SENT} record whose pop was deferred to an ordinary pop at the receive. */
    public static final String SENT_DEFERRED = "deferred";
    /** The {@code id} of a {@link Kind#POP_SENT} record whose backend does not show whether it sent the pop ahead. */
    public static final String SENT_UNKNOWN = "unknown";

    /** The kinds of events, each with its one-letter code. */
    public enum Kind {
        /** A push is about to be sent. */
        ATTEMPTED('A'),
        /** A push was acknowledged. */
        PUSHED('P'),
        /** A worker's pop returned the task. */
        FETCHED('F'),
        /** A delivery started running. */
        STARTED('S'),
        /** A delivery finished running. */
        COMPLETED('C'),
        /** A worker's ack settled a leased delivery. */
        ACKED('K'),
        /** A worker reaped expired leases. */
        REAPED('R'),
        /** A process was killed with SIGKILL. */
        KILLED('X'),
        /** A process was paused with SIGSTOP. */
        PAUSED('Z'),
        /** A worker's pop pipeline sent a pop. */
        POP_SENT('Q');

        private final char code;

        Kind(char code) {
            this.code = code;
        }

        /** The one-letter code written to the file. */
        public char code() {
            return code;
        }

        static Kind of(String code) {
            for (Kind kind : values()) {
                if (code.length() == 1 && kind.code == code.charAt(0)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown history record kind '" + code + "'");
        }
    }

    /** A record without a digest or a delivery. */
    public HistoryRecord(Kind kind, String id, long pid, long ppid, long millis, long due) {
        this(kind, id, pid, ppid, millis, due, NO_DIGEST, NO_DELIVERY);
    }

    /** A record without a delivery. */
    public HistoryRecord(Kind kind, String id, long pid, long ppid, long millis, long due, String digest) {
        this(kind, id, pid, ppid, millis, due, digest, NO_DELIVERY);
    }

    /** Checks the parts; ids, digests and deliveries must not contain tabs or line breaks. */
    public HistoryRecord {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(digest, "digest is null");
        Objects.requireNonNull(delivery, "delivery is null");
        if (delivery.isEmpty() || delivery.indexOf('\t') >= 0 || delivery.indexOf('\n') >= 0 || delivery.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a delivery must be non-empty without tabs or line breaks: '" + delivery + "'");
        }
        if (digest.isEmpty() || digest.indexOf('\t') >= 0 || digest.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a digest must be non-empty without tabs or line breaks: '" + digest + "'");
        }
        if (id.isEmpty() || id.indexOf('\t') >= 0 || id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a task id must be non-empty without tabs or line breaks: '" + id + "'");
        }
    }

    /** The record as one line, with its trailing newline. */
    public String toLine() {
        return kind.code + "\t" + id + "\t" + pid + "\t" + ppid + "\t" + millis + "\t" + due + "\t" + digest
                + "\t" + delivery + "\n";
    }

    /** Whether this record names its delivery. */
    public boolean identified() {
        return !delivery.equals(NO_DELIVERY);
    }

    /**
     * Whether this record's delivery was received through a pop pipeline ({@code PopPipeline.receive}): its token
     * reads {@code <l|u><pid>.p<n>} ({@link #PIPELINED_MARK}). The pop was sent ahead or deferred to an ordinary pop
     * at the receive: the {@link Kind#POP_SENT} record of its send says which.
     */
    public boolean pipelined() {
        int dot = delivery.indexOf('.');
        return dot > 0 && delivery.startsWith(PIPELINED_MARK, dot + 1);
    }

    /**
     * Parses one line without its newline.
     *
     * @throws IllegalArgumentException when the line is not a record
     */
    public static HistoryRecord parse(String line) {
        String[] fields = line.split("\t", -1);
        if (fields.length != 7 && fields.length != 8) {
            throw new IllegalArgumentException("a history line has 7 or 8 tab-separated fields, this one " + fields.length + ": '" + line + "'");
        }
        try {
            return new HistoryRecord(Kind.of(fields[0]), fields[1], Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                    Long.parseLong(fields[4]), Long.parseLong(fields[5]), fields[6], fields.length == 8 ? fields[7] : NO_DELIVERY);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a history line has a malformed number: '" + line + "'", e);
        }
    }
}
