package io.sergeant.cli;

import io.sergeant.toolkit.process.JavaCommand;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.function.Supplier;

/**
 * The {@code --classpath}/{@code -cp} option (default: the environment variable
 * {@value #ENVIRONMENT_VARIABLE}) of the commands that load the user's code: {@code worker},
 * {@code supervisor} and {@code dashboard}. A picocli mixin: add it with {@code @Mixin ClassPathOption}.
 * Entries are jars and directories separated by the platform's path separator; {@code dir/*} means every
 * jar of {@code dir}, as for {@code java -cp}. One instance per parsed command; not thread safe.
 */
public final class ClassPathOption {

    /** The environment variable read when {@code --classpath} is not given. */
    public static final String ENVIRONMENT_VARIABLE = "SERGEANT_CLASSPATH";

    @Option(names = {"--classpath", "-cp"}, paramLabel = "PATHS", defaultValue = "${env:SERGEANT_CLASSPATH}",
            description = {"Where your worker classes, Guice modules and plugins (backends, codecs, listeners) are: jars and "
                    + "directories separated by '${sys:path.separator}'; a trailing /* takes every jar of a directory. "
                    + "Default: $SERGEANT_CLASSPATH. Child JVMs (supervised workers, process executor children) get it too."})
    String classpath;

    /** Created by picocli. */
    public ClassPathOption() {
    }

    /** The user's class path as given, or null when neither the option nor the environment variable is set. */
    public String value() {
        return classpath == null || classpath.isBlank() ? null : classpath;
    }

    /**
     * A class loader over the user's class path with {@code parent} as its parent, or {@code parent}
     * itself when there is none.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} naming every entry that does not exist
     */
    public ClassLoader loader(ClassLoader parent) {
        return UserClassPath.loader(value(), parent);
    }

    /**
     * Checks every entry exists.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} naming every entry that does not exist
     */
    public void validate() {
        ClassLoader loader = loader(ClassPathOption.class.getClassLoader());
        if (loader instanceof java.net.URLClassLoader urls) {
            try {
                urls.close();
            } catch (java.io.IOException e) {
                // Nothing was loaded through it; closing cannot lose anything.
            }
        }
    }

    /** The class path of a child JVM: this JVM's, then the user's entries (which {@code java} expands itself). */
    public String childClassPath() {
        String own = System.getProperty("java.class.path", "");
        return value() == null ? own : own + File.pathSeparator + value();
    }

    /**
     * Runs {@code body} with the user's class loader as the thread's context class loader, and with
     * {@link JavaCommand#USER_CLASSPATH_PROPERTY} set so child JVMs started meanwhile (a process executor's
     * children) get the user's entries too; both are restored afterwards.
     */
    public <T> T callWithUserClasses(Supplier<T> body) {
        ClassLoader loader = loader(ClassPathOption.class.getClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previousLoader = thread.getContextClassLoader();
        String previousProperty = value() == null ? null
                : System.setProperty(JavaCommand.USER_CLASSPATH_PROPERTY, value());
        thread.setContextClassLoader(loader);
        try {
            return body.get();
        } finally {
            thread.setContextClassLoader(previousLoader);
            if (value() != null) {
                if (previousProperty == null) {
                    System.clearProperty(JavaCommand.USER_CLASSPATH_PROPERTY);
                } else {
                    System.setProperty(JavaCommand.USER_CLASSPATH_PROPERTY, previousProperty);
                }
            }
        }
    }
}
