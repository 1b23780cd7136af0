package io.sergeant.core.worker;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * System properties handed to a worker process through a file readable by its owner only (mode 0600)
 * instead of {@code -D} options, so that no password or token of a backend URI appears on a process
 * command line ({@code /proc/<pid>/cmdline} and {@code ps} show command lines to every local user).
 * The supervisor writes it and passes {@code --settings-file <path>}; {@link WorkerMain} applies it
 * first thing. {@code set} entries always apply; {@code inherited} ones (the supervisor's own
 * {@code sergeant.*} properties) only where the worker's JVM options did not set the property, so that
 * a user's {@code -D} still wins over an inherited one, as it did on the command line. Stateless.
 */
public final class SettingsFile {

    private static final String SET = "set.";
    private static final String INHERITED = "inherited.";

    private SettingsFile() {
    }

    /**
     * Writes the settings to {@code file}, created with mode 0600 (on POSIX file systems) before anything
     * is written to it.
     *
     * @throws SergeantException {@code EXECUTION_FAILED} when the file cannot be written
     */
    public static void write(Path file, Map<String, String> inherited, Map<String, String> set) {
        Properties properties = new Properties();
        inherited.forEach((name, value) -> properties.setProperty(INHERITED + name, value));
        set.forEach((name, value) -> properties.setProperty(SET + name, value));
        try {
            Files.deleteIfExists(file);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
                properties.store(writer, "sergeant worker settings; readable by the owner only");
            }
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot write the worker settings file " + file + ": "
                    + e.getMessage() + "; check that the temporary directory is writable", e);
        }
    }

    /**
     * Reads a settings file and applies it to the system properties.
     *
     * @return the names of the properties it set
     * @throws SergeantException {@code INVALID_CONFIGURATION} when the file cannot be read
     */
    public static Map<String, String> apply(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "cannot read the worker settings file " + file
                    + ": " + e.getMessage() + "; it is written by the supervisor, which must run as the same user", e);
        }
        Map<String, String> applied = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith(INHERITED)) {
                String name = key.substring(INHERITED.length());
                if (System.getProperty(name) == null) {
                    System.setProperty(name, properties.getProperty(key));
                    applied.put(name, properties.getProperty(key));
                }
            }
        }
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith(SET)) {
                String name = key.substring(SET.length());
                System.setProperty(name, properties.getProperty(key));
                applied.put(name, properties.getProperty(key));
            }
        }
        return applied;
    }
}
