package io.sergeant.executor.process;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The command line of a child JVM: the running JVM's {@code java}, the configured JVM options, the
 * parent's logging system properties, the parent's class path, its Sergeant properties through an
 * owner-only settings file (so {@code sergeant.config.*} overrides apply in the child as in the worker,
 * and a backend password never shows on a command line), {@link ChildMain}, the worker class and its
 * arguments. A class path too long for one command-line argument goes through a JVM argument file.
 * Immutable.
 */
final class ChildCommand {

    /** Linux refuses a single argument over 128 KiB; stay well below it. */
    private static final int MAX_INLINE_CLASSPATH = 60_000;
    private static final List<String> INHERITED_PREFIXES = List.of("sergeant.", "org.slf4j.simpleLogger.",
            "logback.", "slf4j.", "java.util.logging.config.");

    private final List<String> command;

    private ChildCommand(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** Builds the command of a child hosting {@code workerClass}. */
    static ChildCommand of(List<String> jvmOptions, String workerClass, List<String> workerArguments) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        // The configured JVM options come after the inherited properties, so their -D settings win.
        // Sergeant's own properties (sergeant.config.backend may hold a password) go through an owner-only
        // file, never the command line; the logging properties stay there.
        Map<String, String> secretsAllowed = new java.util.TreeMap<>();
        inherited(System.getProperties()).forEach((name, value) -> {
            if (name.startsWith("sergeant.")) {
                secretsAllowed.put(name, value);
            } else {
                command.add("-D" + name + "=" + value);
            }
        });
        command.addAll(jvmOptions);
        String classpath = System.getProperty("java.class.path", "");
        if (classpath.length() <= MAX_INLINE_CLASSPATH) {
            command.add("-cp");
            command.add(classpath);
        } else {
            command.add("@" + argumentFile(classpath));
        }
        command.add(ChildMain.class.getName());
        if (!secretsAllowed.isEmpty()) {
            command.add(ChildMain.SETTINGS_FILE);
            command.add(settingsFile(secretsAllowed).toString());
        }
        command.add(workerClass);
        command.addAll(workerArguments);
        return new ChildCommand(command);
    }

    /** The command, ready for a {@link ProcessBuilder}. */
    List<String> command() {
        return command;
    }

    /** The {@code java} of the running JVM. */
    static String javaExecutable() {
        Path home = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(home)) {
            return home.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String argumentFile(String classpath) {
        try {
            Path file = Files.createTempFile("sergeant-child-classpath", ".args");
            file.toFile().deleteOnExit();
            String quoted = classpath.replace("\\", "\\\\").replace("\"", "\\\"");
            Files.writeString(file, "-cp \"" + quoted + "\"\n", StandardCharsets.UTF_8);
            return file.toString();
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot write the class path argument file for child JVMs in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage() + "; check that the directory is writable", e);
        }
    }

    /**
     * Writes the properties to a new temporary file readable by its owner only (created 0600 before
     * anything is written), deleted when this JVM exits. A child applies it only where its own JVM
     * options did not set a property.
     */
    private static Path settingsFile(Map<String, String> properties) {
        try {
            Path file = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempFile("sergeant-child-settings", ".properties", java.nio.file.attribute.PosixFilePermissions
                            .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile("sergeant-child-settings", ".properties");
            file.toFile().deleteOnExit();
            java.util.Properties stored = new java.util.Properties();
            stored.putAll(properties);
            try (java.io.Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                stored.store(writer, "sergeant child settings; readable by the owner only");
            }
            return file;
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot write the settings file for child JVMs in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage() + "; check that the directory is writable", e);
        }
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }

    /** The system properties a child inherits from these: Sergeant's and the logging backends'. */
    static Map<String, String> inherited(Properties properties) {
        Map<String, String> inherited = new java.util.TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (INHERITED_PREFIXES.stream().anyMatch(name::startsWith)) {
                inherited.put(name, properties.getProperty(name));
            }
        }
        return inherited;
    }
}
