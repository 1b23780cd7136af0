package io.sergeant.toolkit.process;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one way Sergeant builds the command line of a child JVM (a supervised worker, a process executor's
 * child): the running JVM's {@code java}; the system properties it inherits from this JVM (Sergeant's and
 * the logging backends', see {@link #INHERITED_PREFIXES}); the configured JVM options; explicit system
 * properties; the class path; the main class and its arguments. Later {@code -D} settings win, in that
 * order. A class path too long for one command-line argument goes through a JVM argument file.
 *
 * <p><b>No secret on the command line.</b> Sergeant's own properties ({@code sergeant.*}: the
 * configuration overrides, whose backend URI may hold a password) never appear as {@code -D} options,
 * which every local user can read in {@code /proc/<pid>/cmdline} or {@code ps}: they go to JVM argument
 * files ({@code @file}, read by the {@code java} launcher) created readable by their owner only (mode
 * 0600) before anything is written to them, one for the inherited and one for the explicit properties,
 * in their places in the order above, and so do explicit properties given as
 * {@linkplain Builder#privateSystemProperty private}, whatever their names. The other properties
 * (logging) stay inline.
 *
 * <p>Immutable; build it with {@link #builder(String)}.
 */
public final class JavaCommand {

    /** Prefixes of the system properties a child inherits: Sergeant's and the logging backends'. */
    public static final List<String> INHERITED_PREFIXES = List.of("sergeant.", "org.slf4j.simpleLogger.",
            "logback.", "slf4j.", "java.util.logging.config.");

    /**
     * A system property naming the user's class path entries (set by the CLI's {@code --classpath}): a
     * command built without an explicit class path gets this JVM's {@code java.class.path} followed by
     * those of its entries that it does not hold yet, so a child JVM loads the same user classes.
     */
    public static final String USER_CLASSPATH_PROPERTY = "sergeant.user.classpath";

    /** Linux refuses a single argument over 128 KiB; stay well below it. */
    static final int MAX_INLINE_CLASSPATH = 60_000;

    private final List<String> command;

    private JavaCommand(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** A builder of a command running {@code mainClass}. */
    public static Builder builder(String mainClass) {
        return new Builder(mainClass);
    }

    /** The command, ready for a {@link ProcessBuilder}. */
    public List<String> command() {
        return command;
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }

    /** The {@code java} of the running JVM ({@code java.home}), or the running process's command. */
    public static String javaExecutable() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The properties among {@code properties} a child inherits (see {@link #INHERITED_PREFIXES}), sorted by name. */
    public static Map<String, String> inherited(Properties properties) {
        Map<String, String> inherited = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (INHERITED_PREFIXES.stream().anyMatch(name::startsWith)) {
                inherited.put(name, properties.getProperty(name));
            }
        }
        return inherited;
    }

    /** Collects the parts of a {@link JavaCommand}. Not thread safe. */
    public static final class Builder {

        private final String mainClass;
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> systemProperties = new TreeMap<>();
        private final java.util.Set<String> privateNames = new java.util.HashSet<>();
        private final List<String> arguments = new ArrayList<>();
        private Properties inheritFrom = System.getProperties();
        private String classpath;
        private Path argumentFileDirectory;

        private Builder(String mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass is null");
        }

        /** Where inherited system properties come from (default: this JVM's). */
        public Builder inheritFrom(Properties properties) {
            this.inheritFrom = Objects.requireNonNull(properties, "properties is null");
            return this;
        }

        /** JVM options, after the inherited properties (so their {@code -D} settings win over those). */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.addAll(options);
            return this;
        }

        /** An explicit {@code -Dname=value}, after the JVM options (so it wins over both). */
        public Builder systemProperty(String name, String value) {
            systemProperties.put(Objects.requireNonNull(name, "name is null"), Objects.requireNonNull(value, "value is null"));
            return this;
        }

        /**
         * An explicit {@code -Dname=value} as {@link #systemProperty}, that goes to the argument file of
         * explicit properties whatever its name: for values that may hold a secret.
         */
        public Builder privateSystemProperty(String name, String value) {
            systemProperty(name, value);
            privateNames.add(name);
            return this;
        }

        /** The class path (default: this JVM's {@code java.class.path} and {@link #USER_CLASSPATH_PROPERTY}'s entries). */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        /** Where a class path argument file goes when one is needed (default: a temporary file, deleted on exit). */
        public Builder argumentFileDirectory(Path directory) {
            this.argumentFileDirectory = directory;
            return this;
        }

        /** Arguments of the main class. */
        public Builder arguments(List<String> more) {
            arguments.addAll(more);
            return this;
        }

        /**
         * The command.
         *
         * @throws SergeantException {@code EXECUTION_FAILED} when a needed argument file cannot be written
         */
        public JavaCommand build() {
            List<String> command = new ArrayList<>();
            command.add(javaExecutable());
            Map<String, String> privateInherited = new TreeMap<>();
            inherited(inheritFrom).forEach((name, value) -> {
                if (isPrivate(name)) {
                    privateInherited.put(name, value);
                } else {
                    command.add("-D" + name + "=" + value);
                }
            });
            if (!privateInherited.isEmpty()) {
                command.add("@" + propertiesFile("inherited", privateInherited));
            }
            command.addAll(jvmOptions);
            Map<String, String> privateExplicit = new TreeMap<>();
            systemProperties.forEach((name, value) -> {
                if (isPrivate(name) || privateNames.contains(name)) {
                    privateExplicit.put(name, value);
                } else {
                    command.add("-D" + name + "=" + value);
                }
            });
            if (!privateExplicit.isEmpty()) {
                command.add("@" + propertiesFile("settings", privateExplicit));
            }
            String path = classpath != null ? classpath : defaultClasspath();
            if (path.length() <= MAX_INLINE_CLASSPATH) {
                command.add("-cp");
                command.add(path);
            } else {
                command.add("@" + argumentFile(path));
            }
            command.add(mainClass);
            command.addAll(arguments);
            return new JavaCommand(command);
        }

        private static String defaultClasspath() {
            String own = System.getProperty("java.class.path", "");
            String user = System.getProperty(USER_CLASSPATH_PROPERTY, "");
            java.util.LinkedHashSet<String> entries = new java.util.LinkedHashSet<>();
            for (String entry : (own + java.io.File.pathSeparator + user).split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    entries.add(entry);
                }
            }
            return String.join(java.io.File.pathSeparator, entries);
        }

        private static boolean isPrivate(String name) {
            return name.startsWith("sergeant.");
        }

        /**
         * A JVM argument file of {@code -D} options, created with mode 0600 (on POSIX file systems) before
         * anything is written to it: in the argument file directory when there is one, else a temporary
         * file deleted when this JVM exits.
         */
        private Path propertiesFile(String kind, Map<String, String> properties) {
            StringBuilder text = new StringBuilder();
            properties.forEach((name, value) -> text.append('"').append(quote("-D" + name + "=" + value)).append("\"\n"));
            Path file = null;
            try {
                java.nio.file.attribute.FileAttribute<?>[] ownerOnly =
                        java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                                ? new java.nio.file.attribute.FileAttribute<?>[] {java.nio.file.attribute.PosixFilePermissions
                                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))}
                                : new java.nio.file.attribute.FileAttribute<?>[0];
                if (argumentFileDirectory != null) {
                    file = argumentFileDirectory.resolve(kind + "-properties.args");
                    Files.deleteIfExists(file);
                    Files.createFile(file, ownerOnly);
                } else {
                    file = Files.createTempFile("sergeant-" + kind, ".args", ownerOnly);
                    file.toFile().deleteOnExit();
                }
                Files.writeString(file, text, StandardCharsets.UTF_8);
                return file;
            } catch (IOException e) {
                throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot write the system property argument file "
                        + (file != null ? file : "in " + System.getProperty("java.io.tmpdir")) + " for child JVMs: "
                        + e.getMessage() + "; check that the directory is writable", e);
            }
        }

        /** Escapes a value for a double-quoted token of a JVM argument file. */
        private static String quote(String value) {
            return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r");
        }

        private Path argumentFile(String path) {
            String quoted = path.replace("\\", "\\\\").replace("\"", "\\\"");
            Path file = null;
            try {
                if (argumentFileDirectory != null) {
                    file = argumentFileDirectory.resolve("classpath.args");
                } else {
                    file = Files.createTempFile("sergeant-classpath", ".args");
                    file.toFile().deleteOnExit();
                }
                Files.writeString(file, "-cp \"" + quoted + "\"\n", StandardCharsets.UTF_8);
                return file;
            } catch (IOException e) {
                throw new SergeantException(ErrorCode.EXECUTION_FAILED, "cannot write the class path argument file "
                        + (file != null ? file : "in " + System.getProperty("java.io.tmpdir")) + " for child JVMs: "
                        + e.getMessage() + "; check that the directory is writable", e);
            }
        }
    }
}
