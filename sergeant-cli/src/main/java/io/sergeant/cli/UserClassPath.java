package io.sergeant.cli;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The user's class path given to {@code --classpath}/{@code -cp} or {@code SERGEANT_CLASSPATH}: jars and
 * directories separated by the platform's path separator, {@code dir/*} meaning every jar in
 * {@code dir} (as {@code java -cp} does). Every missing entry is reported at once.
 */
final class UserClassPath {

    private UserClassPath() {
    }

    /**
     * A class loader over {@code paths} with {@code parent} as its parent, or {@code parent} itself when
     * {@code paths} is null or blank.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} naming every entry that does not exist
     */
    static ClassLoader loader(String paths, ClassLoader parent) {
        if (paths == null || paths.isBlank()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String entry : paths.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                if (entry.endsWith("/*") || entry.endsWith(File.separator + "*")) {
                    Path dir = Path.of(entry.substring(0, entry.length() - 2));
                    if (!Files.isDirectory(dir)) {
                        problems.add("'" + entry + "': " + dir + " is not a directory");
                        continue;
                    }
                    try (Stream<Path> jars = Files.list(dir)) {
                        for (Path jar : jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                            urls.add(jar.toUri().toURL());
                        }
                    }
                } else {
                    Path path = Path.of(entry);
                    if (!Files.exists(path)) {
                        problems.add("'" + entry + "' does not exist");
                        continue;
                    }
                    urls.add(path.toUri().toURL());
                }
            } catch (IOException | RuntimeException e) {
                problems.add("'" + entry + "': " + (e instanceof MalformedURLException ? "not a path" : e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "--classpath (or SERGEANT_CLASSPATH): "
                    + String.join("; ", problems) + "; give jars and directories separated by '" + File.pathSeparator + "'");
        }
        return new URLClassLoader("sergeant-user", urls.toArray(URL[]::new), parent);
    }
}
