package io.sergeant.core.supervisor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The run summary a worker process writes as one JSON line to its {@code --summary-file} when it exits
 * (see {@code RunSummary.toJson()} and {@code WorkerMain}). Stateless.
 */
final class SummaryFile {

    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

    private SummaryFile() {
    }

    /** The summary's JSON text, or empty when the file is missing or empty (the worker was killed). */
    static Optional<String> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /**
     * The value of a top-level string field of a summary, unescaped; empty when the field is absent or
     * not a string. Enough for the flat summaries workers write; not a general JSON parser.
     */
    static Optional<String> stringField(String json, String name) {
        String key = "\"" + name + "\":";
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == '"') {
                if (depth == 1 && json.startsWith(key, i)) {
                    return stringAt(json, i + key.length());
                }
                inString = true;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> stringAt(String json, int start) {
        int i = start;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        if (i >= json.length() || json.charAt(i) != '"') {
            return Optional.empty();
        }
        StringBuilder value = new StringBuilder();
        for (i++; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                return Optional.of(value.toString());
            }
            if (c != '\\' || i + 1 >= json.length()) {
                value.append(c);
                continue;
            }
            char escaped = json.charAt(++i);
            switch (escaped) {
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                case 't' -> value.append('\t');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'u' -> {
                    if (i + 4 < json.length()) {
                        value.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                }
                default -> value.append(escaped);
            }
        }
        return Optional.empty();
    }

    /** The summary's exception, or a note saying why there is none. */
    static String exception(String summary) {
        if (summary == null) {
            return "(no summary)";
        }
        return stringField(summary, "exception").orElse("(not in the summary)");
    }

    /**
     * Reads a worker's summary (logging it, or logging why there is none) and deletes the file; null
     * when the worker wrote none or it could not be read.
     */
    static String readAndDelete(SupervisedWorker worker) {
        try {
            var summary = read(worker.summaryFile());
            Files.deleteIfExists(worker.summaryFile());
            if (summary.isEmpty()) {
                log.atWarn().addKeyValue("pid", worker.pid())
                        .log("could not receive worker({})'s summary: it wrote none (it was killed or crashed)", worker.pid());
                return null;
            }
            log.atInfo().addKeyValue("pid", worker.pid()).addKeyValue("summary", summary.get())
                    .log("worker({}) summary: {}", worker.pid(), summary.get());
            return summary.get();
        } catch (IOException | UncheckedIOException e) {
            log.atWarn().addKeyValue("pid", worker.pid())
                    .log("could not receive worker({})'s summary: {}", worker.pid(), e.toString());
            return null;
        }
    }
}
