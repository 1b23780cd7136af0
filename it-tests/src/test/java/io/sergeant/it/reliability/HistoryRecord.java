package io.sergeant.it.reliability;

import java.util.Objects;

/**
 * One line of a delivery history: what happened to which task, where and when. Every producer, worker
 * and test process writes the same format, one record per line, tab separated:
 * {@code kind id pid ppid millis due digest}.
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
 *       kill, it may make the tasks the process held run again elsewhere.</li>
 * </ul>
 *
 * <p>{@code ppid} is the parent of the writing process when it started (for a child JVM of the process
 * executor, the worker process), so a kill of a worker also accounts for its children's records.
 * {@code due} is the epoch millisecond a delayed task becomes deliverable, or 0. {@code digest} is
 * {@link TaskDigest} of the task's kwargs as the producer pushed them ({@code A}, {@code P}) or as the
 * worker received them ({@code S}), or {@code -} where it does not apply.
 *
 * @param kind   what happened
 * @param id     the task id, or {@code -} for a kill, a pause or a reap
 * @param pid    the writing process, or the killed process for {@link Kind#KILLED}
 * @param ppid   the parent of the writing process, or 0
 * @param millis wall-clock epoch milliseconds of the event (one clock: every process runs on this machine)
 * @param due    epoch milliseconds from which a delayed task may run, or 0
 * @param digest the kwargs digest, or {@value #NO_DIGEST}
 */
public record HistoryRecord(Kind kind, String id, long pid, long ppid, long millis, long due, String digest) {

    /** The digest field of records that carry none. */
    public static final String NO_DIGEST = "-";

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
        PAUSED('Z');

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

    /** A record without a digest. */
    public HistoryRecord(Kind kind, String id, long pid, long ppid, long millis, long due) {
        this(kind, id, pid, ppid, millis, due, NO_DIGEST);
    }

    /** Checks the parts; ids and digests must not contain tabs or line breaks. */
    public HistoryRecord {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(digest, "digest is null");
        if (digest.isEmpty() || digest.indexOf('\t') >= 0 || digest.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a digest must be non-empty without tabs or line breaks: '" + digest + "'");
        }
        if (id.isEmpty() || id.indexOf('\t') >= 0 || id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a task id must be non-empty without tabs or line breaks: '" + id + "'");
        }
    }

    /** The record as one line, with its trailing newline. */
    public String toLine() {
        return kind.code + "\t" + id + "\t" + pid + "\t" + ppid + "\t" + millis + "\t" + due + "\t" + digest + "\n";
    }

    /**
     * Parses one line without its newline.
     *
     * @throws IllegalArgumentException when the line is not a record
     */
    public static HistoryRecord parse(String line) {
        String[] fields = line.split("\t", -1);
        if (fields.length != 7) {
            throw new IllegalArgumentException("a history line has 7 tab-separated fields, this one " + fields.length + ": '" + line + "'");
        }
        try {
            return new HistoryRecord(Kind.of(fields[0]), fields[1], Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                    Long.parseLong(fields[4]), Long.parseLong(fields[5]), fields[6]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a history line has a malformed number: '" + line + "'", e);
        }
    }
}
