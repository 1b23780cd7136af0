package io.sergeant.core.internal.runtime;

import io.sergeant.toolkit.text.LogText;
import io.sergeant.api.Task;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What a log line may show of a task: the task itself when its kwargs render in at most
 * {@link #MAX_CHARS} characters, otherwise a copy whose kwargs are {@code {"truncated_kwargs": "<the
 * first MAX_CHARS characters>..."}}. Rendering is iterative and stops at the bound, so logging costs the
 * same whatever a producer sent (a payload's size as a tree is bounded by the decode budget, but may
 * still be tens of megabytes). Control characters of task data (line breaks, escape sequences, the
 * Unicode line separators) are escaped ({@link #escape}), so a producer cannot forge log lines: a small
 * task whose kwargs hold one is logged as {@code {"escaped_kwargs": "<escaped rendering>"}}. Stateless;
 * thread safe.
 */
final class LoggedTask {

    /** Most characters of kwargs a log line shows. */
    static final int MAX_CHARS = 4096;

    private LoggedTask() {
    }

    /** {@code task}, or a copy with its kwargs replaced by a bounded preview. */
    static Task of(Task task) {
        boolean[] escaped = new boolean[1];
        String preview = preview(task.kwargs(), MAX_CHARS, escaped);
        if (preview == null) {
            if (!escaped[0]) {
                return task;
            }
            return new Task(Map.of("escaped_kwargs", render(task.kwargs())), escape(task.traceId()), task.date(),
                    task.runCount());
        }
        return new Task(Map.of("truncated_kwargs", preview), escape(task.traceId()), task.date(), task.runCount());
    }

    /** The whole (escaped) rendering of a value known to fit in {@link #MAX_CHARS}. */
    private static String render(Object value) {
        StringBuilder out = new StringBuilder();
        walk(value, MAX_CHARS, out, new boolean[1]);
        return out.toString();
    }

    /**
     * {@code text} with every control character (C0, DEL, C1, U+2028, U+2029) written as an escape
     * ({@code \n}, {@code \r}, {@code \t}, or a backslash-u escape of four hex digits), so that it stays on one log line and cannot
     * move the cursor or colour a terminal; null stays null.
     */
    static String escape(String text) {
        return LogText.escape(text);
    }

    /**
     * {@code null} if {@code value} renders (as {@code Map}/{@code List} {@code toString} would) in at most
     * {@code maxChars} characters, else its first {@code maxChars} characters followed by {@code ...}.
     */
    static String preview(Object value, int maxChars) {
        return preview(value, maxChars, new boolean[1]);
    }

    private static String preview(Object value, int maxChars, boolean[] escaped) {
        StringBuilder out = new StringBuilder();
        return walk(value, maxChars, out, escaped) ? null : out.substring(0, maxChars) + "...";
    }

    /** Renders into {@code out}; true if all of it fits in {@code maxChars}; sets {@code escaped[0]} if it escaped anything. */
    private static boolean walk(Object value, int maxChars, StringBuilder out, boolean[] escaped) {
        Deque<Frame> open = new ArrayDeque<>();
        Object next = value;
        boolean haveNext = true;
        while (out.length() <= maxChars) {
            if (haveNext) {
                haveNext = false;
                if (next instanceof Map<?, ?> map) {
                    out.append('{');
                    open.push(new Frame(map.entrySet().iterator(), '}'));
                } else if (next instanceof List<?> list) {
                    out.append('[');
                    open.push(new Frame(list.iterator(), ']'));
                } else {
                    appendLeaf(out, next, maxChars + 1 - out.length(), escaped);
                }
                continue;
            }
            Frame frame = open.peek();
            if (frame == null) {
                return true;
            }
            if (!frame.items.hasNext()) {
                open.pop();
                out.append(frame.close);
                continue;
            }
            if (frame.started) {
                out.append(", ");
            }
            frame.started = true;
            Object item = frame.items.next();
            if (item instanceof Map.Entry<?, ?> entry && frame.close == '}') {
                appendLeaf(out, entry.getKey(), maxChars + 1 - out.length(), escaped);
                out.append('=');
                next = entry.getValue();
            } else {
                next = item;
            }
            haveNext = true;
        }
        return false;
    }

    private static void appendLeaf(StringBuilder out, Object leaf, int room, boolean[] escaped) {
        if (room <= 0) {
            return;
        }
        String text = leaf instanceof byte[] bytes ? "<" + bytes.length + " bytes>"
                : leaf instanceof List<?> list ? "<list of " + list.size() + ">"
                : leaf instanceof Map<?, ?> map ? "<map of " + map.size() + ">"
                : String.valueOf(leaf);
        String safe = escape(text);
        if (safe != text) {
            escaped[0] = true;
        }
        out.append(safe, 0, Math.min(safe.length(), room));
    }

    private static final class Frame {
        private final Iterator<?> items;
        private final char close;
        private boolean started;

        Frame(Iterator<?> items, char close) {
            this.items = items;
            this.close = close;
        }
    }
}
