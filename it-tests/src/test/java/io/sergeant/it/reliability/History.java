package io.sergeant.it.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Every record of a history directory, read from all its {@code *.history} files. A file's last line
 * may be torn (its writer was killed in the middle of a write): it is skipped and counted in
 * {@link #tornLines()}. A malformed line anywhere else means the history is corrupt and fails the read.
 *
 * @param records   every complete record, file by file, in file order
 * @param files     how many history files were read
 * @param tornLines how many files ended in a torn line
 */
public record History(List<HistoryRecord> records, int files, int tornLines) {

    /** The suffix of history files. */
    public static final String SUFFIX = ".history";

    /** Copies the records. */
    public History {
        records = List.copyOf(Objects.requireNonNull(records, "records is null"));
    }

    /**
     * Reads every history file of a directory (a missing directory is an empty history).
     *
     * @throws UncheckedIOException when a file cannot be read
     * @throws IllegalStateException when a complete line (not the last one of its file) is malformed
     */
    public static History read(Path directory) {
        if (!Files.isDirectory(directory)) {
            return new History(List.of(), 0, 0);
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(path -> path.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the history directory " + directory, e);
        }
        List<HistoryRecord> records = new ArrayList<>();
        int torn = 0;
        for (Path file : files) {
            try {
                torn += parse(Files.readString(file, StandardCharsets.UTF_8), file.toString(), records);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the history file " + file, e);
            }
        }
        return new History(records, files.size(), torn);
    }

    /**
     * Parses the text of one history file into {@code into}.
     *
     * @return 1 if the text ends in a torn line (skipped), else 0
     * @throws IllegalStateException when a line other than the last one is malformed
     */
    static int parse(String text, String source, List<HistoryRecord> into) {
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                // No newline: the writer died in the middle of this line.
                return 1;
            }
            String line = text.substring(start, end);
            try {
                into.add(HistoryRecord.parse(line));
            } catch (IllegalArgumentException e) {
                if (end == text.length() - 1) {
                    // A malformed last line is a torn one as well.
                    return 1;
                }
                throw new IllegalStateException("corrupt history " + source + ": " + e.getMessage(), e);
            }
            start = end + 1;
        }
        return 0;
    }
}
