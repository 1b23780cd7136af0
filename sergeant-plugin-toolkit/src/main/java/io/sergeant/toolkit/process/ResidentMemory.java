package io.sergeant.toolkit.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident memory of a process and its descendants, from {@code /proc/<pid>/status} ({@code VmRSS}).
 * Stateless; where {@code /proc} does not exist (not Linux) every reading is empty.
 */
public final class ResidentMemory {

    private static final Path PROC = Path.of("/proc");

    private ResidentMemory() {
    }

    /** Whether readings are possible on this system. */
    public static boolean available() {
        return Files.isReadable(PROC.resolve("self").resolve("status"));
    }

    /**
     * The summed resident bytes of the process and every descendant it has now, or empty when the
     * process itself cannot be read (it exited). A descendant that exits during the reading counts as 0.
     */
    public static OptionalLong ofTree(ProcessHandle process) {
        OptionalLong own = of(process.pid());
        if (own.isEmpty()) {
            return own;
        }
        long total = own.getAsLong();
        for (ProcessHandle descendant : process.descendants().toList()) {
            total += of(descendant.pid()).orElse(0);
        }
        return OptionalLong.of(total);
    }

    /** The resident bytes of one process, or empty when it cannot be read. */
    public static OptionalLong of(long pid) {
        try {
            return parseStatus(Files.readString(PROC.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Reads {@code VmRSS: <n> kB} from a status file's text; empty when absent (a zombie has none). */
    public static OptionalLong parseStatus(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                long kilobytes = Long.parseLong(parts[0]);
                return OptionalLong.of(kilobytes * 1024);
            }
        }
        return OptionalLong.empty();
    }
}
