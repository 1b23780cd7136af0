package io.sergeant.core.internal.runtime;

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
 * still be tens of megabytes). Stateless; thread safe.
 */
final class LoggedTask {

    /** Most characters of kwargs a log line shows. */
    static final int MAX_CHARS = 4096;

    private LoggedTask() {
    }

    /** {@code task}, or a copy with its kwargs replaced by a bounded preview. */
    static Task of(Task task) {
        String preview = preview(task.kwargs(), MAX_CHARS);
        if (preview == null) {
            return task;
        }
        return new Task(Map.of("truncated_kwargs", preview), task.traceId(), task.date(), task.runCount());
    }

    /**
     * {@code null} if {@code value} renders (as {@code Map}/{@code List} {@code toString} would) in at most
     * {@code maxChars} characters, else its first {@code maxChars} characters followed by {@code ...}.
     */
    static String preview(Object value, int maxChars) {
        StringBuilder out = new StringBuilder();
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
                    appendLeaf(out, next, maxChars + 1 - out.length());
                }
                continue;
            }
            Frame frame = open.peek();
            if (frame == null) {
                return null;
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
                appendLeaf(out, entry.getKey(), maxChars + 1 - out.length());
                out.append('=');
                next = entry.getValue();
            } else {
                next = item;
            }
            haveNext = true;
        }
        return out.substring(0, maxChars) + "...";
    }

    private static void appendLeaf(StringBuilder out, Object leaf, int room) {
        if (room <= 0) {
            return;
        }
        String text = leaf instanceof byte[] bytes ? "<" + bytes.length + " bytes>"
                : leaf instanceof List<?> list ? "<list of " + list.size() + ">"
                : leaf instanceof Map<?, ?> map ? "<map of " + map.size() + ">"
                : String.valueOf(leaf);
        out.append(text, 0, Math.min(text.length(), room));
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
