package io.sergeant.it.reliability;

import java.util.Objects;

/**
 * One line of a delivery history: what happened to which task, where and when. Every producer, worker
 * and test process writes the same format, one record per line, tab separated:
 * {@code kind id pid ppid millis due}.
 *
 * <ul>
 *   <li>{@link Kind#ATTEMPTED} {@code A}: a producer is about to push the task (written before push());</li>
 *   <li>{@link Kind#PUSHED} {@code P}: push() returned, so the backend acknowledged the write;</li>
 *   <li>{@link Kind#STARTED} {@code S}: a worker began {@code work} for the task (one delivery);</li>
 *   <li>{@link Kind#COMPLETED} {@code C}: {@code work} finished;</li>
 *   <li>{@link Kind#KILLED} {@code X}: the test sent SIGKILL to process {@code pid} (and its descendants).</li>
 * </ul>
 *
 * <p>{@code ppid} is the parent of the writing process when it started (for a child JVM of the process
 * executor, the worker process), so a kill of a worker also accounts for its children's records.
 * {@code due} is the epoch millisecond a delayed task becomes deliverable, or 0.
 *
 * @param kind   what happened
 * @param id     the task id, or {@code -} for a kill
 * @param pid    the writing process, or the killed process for {@link Kind#KILLED}
 * @param ppid   the parent of the writing process, or 0
 * @param millis wall-clock epoch milliseconds of the event (one clock: every process runs on this machine)
 * @param due    epoch milliseconds from which a delayed task may run, or 0
 */
public record HistoryRecord(Kind kind, String id, long pid, long ppid, long millis, long due) {

    /** The kinds of events, each with its one-letter code. */
    public enum Kind {
        /** A push is about to be sent. */
        ATTEMPTED('A'),
        /** A push was acknowledged. */
        PUSHED('P'),
        /** A delivery started running. */
        STARTED('S'),
        /** A delivery finished running. */
        COMPLETED('C'),
        /** A process was killed with SIGKILL. */
        KILLED('X');

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

    /** Checks the parts; ids must not contain tabs or line breaks. */
    public HistoryRecord {
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(id, "id is null");
        if (id.isEmpty() || id.indexOf('\t') >= 0 || id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a task id must be non-empty without tabs or line breaks: '" + id + "'");
        }
    }

    /** The record as one line, with its trailing newline. */
    public String toLine() {
        return kind.code + "\t" + id + "\t" + pid + "\t" + ppid + "\t" + millis + "\t" + due + "\n";
    }

    /**
     * Parses one line without its newline.
     *
     * @throws IllegalArgumentException when the line is not a record
     */
    public static HistoryRecord parse(String line) {
        String[] fields = line.split("\t", -1);
        if (fields.length != 6) {
            throw new IllegalArgumentException("a history line has 6 tab-separated fields, this one " + fields.length + ": '" + line + "'");
        }
        try {
            return new HistoryRecord(Kind.of(fields[0]), fields[1], Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                    Long.parseLong(fields[4]), Long.parseLong(fields[5]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a history line has a malformed number: '" + line + "'", e);
        }
    }
}
