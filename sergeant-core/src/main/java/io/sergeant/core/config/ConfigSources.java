package io.sergeant.core.config;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where the command-line tools ({@code sergeant}, {@code SupervisorMain}) find configuration overrides,
 * and their one precedence: <b>command line &gt; environment &gt; file &gt; the worker's
 * {@code config()}</b>. The file is a properties file of {@link WorkerConfigProperties#KEYS} (UTF-8);
 * the environment maps every key to a variable {@code SERGEANT_} + the key in upper snake case
 * ({@code backend} is {@code SERGEANT_BACKEND}, {@code delivery.maxDeliveries} is
 * {@code SERGEANT_DELIVERY_MAX_DELIVERIES}); plugin options are
 * {@code SERGEANT_BACKEND_OPTION_<NAME>}, {@code SERGEANT_EXECUTOR_OPTION_<NAME>} and
 * {@code SERGEANT_ENCODER_OPTION_<NAME>}, whose name in upper snake case becomes lower camel case and a
 * double underscore a dot ({@code SERGEANT_ENCODER_OPTION_LZMA__MEMORY_LIMIT} is
 * {@code encoder.option.lzma.memoryLimit}). Other {@code SERGEANT_*} variables (such as
 * {@code SERGEANT_CLASSPATH} or {@code SERGEANT_JAVA_OPTS}) are not configuration and are ignored here.
 * Stateless.
 */
public final class ConfigSources {

    /** The prefix of configuration environment variables. */
    public static final String ENVIRONMENT_PREFIX = "SERGEANT_";

    private static final Map<String, String> OPTION_PREFIXES = Map.of(
            "SERGEANT_BACKEND_OPTION_", "backend.option.",
            "SERGEANT_EXECUTOR_OPTION_", "executor.option.",
            "SERGEANT_ENCODER_OPTION_", "encoder.option.");

    private ConfigSources() {
    }

    /**
     * The overrides in precedence order: {@code file}'s keys, replaced by {@code environment}'s, replaced
     * by {@code commandLine}'s. Nothing is validated here; {@link WorkerConfigProperties#apply} reports every
     * problem of the result at once.
     */
    public static Map<String, String> layered(Map<String, String> file, Map<String, String> environment,
                                              Map<String, String> commandLine) {
        Map<String, String> result = new TreeMap<>(file);
        result.putAll(environment);
        result.putAll(commandLine);
        return result;
    }

    /** The environment variable of a configuration key: {@code delivery.maxDeliveries} -> {@code SERGEANT_DELIVERY_MAX_DELIVERIES}. */
    public static String environmentName(String key) {
        StringBuilder name = new StringBuilder(ENVIRONMENT_PREFIX);
        for (char c : key.toCharArray()) {
            if (c == '.') {
                name.append('_');
            } else if (Character.isUpperCase(c)) {
                name.append('_').append(c);
            } else {
                name.append(Character.toUpperCase(c));
            }
        }
        return name.toString();
    }

    /** The configuration keys set in {@code environment} (a map such as {@link System#getenv()}), as keys of {@link WorkerConfigProperties}. */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> result = new TreeMap<>();
        for (String key : WorkerConfigProperties.KEYS.keySet()) {
            String value = environment.get(environmentName(key));
            if (value != null) {
                result.put(key, value);
            }
        }
        environment.forEach((variable, value) -> OPTION_PREFIXES.forEach((prefix, keyPrefix) -> {
            if (variable.startsWith(prefix) && variable.length() > prefix.length()) {
                result.put(keyPrefix + optionName(variable.substring(prefix.length())), value);
            }
        }));
        return result;
    }

    /**
     * Reads a properties file (UTF-8) of configuration keys.
     *
     * @throws SergeantException {@code INVALID_CONFIGURATION} when it does not exist or cannot be read
     */
    public static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION, "configuration file '" + file
                    + "' does not exist; --config takes the path of a .properties file of configuration keys "
                    + "(single keys go on the command line as -D key=value)");
        } catch (IOException | IllegalArgumentException e) {
            throw new SergeantException(ErrorCode.INVALID_CONFIGURATION,
                    "cannot read configuration file '" + file + "': " + e.getMessage() + "; give a readable UTF-8 .properties file", e);
        }
        Map<String, String> result = new TreeMap<>();
        properties.stringPropertyNames().forEach(name -> result.put(name, properties.getProperty(name)));
        return result;
    }

    /** {@code LZMA__MEMORY_LIMIT} -> {@code lzma.memoryLimit}. */
    private static String optionName(String snake) {
        StringBuilder name = new StringBuilder();
        String[] parts = snake.split("__", -1);
        for (int p = 0; p < parts.length; p++) {
            if (p > 0) {
                name.append('.');
            }
            String[] words = parts[p].toLowerCase(Locale.ROOT).split("_");
            for (int w = 0; w < words.length; w++) {
                String word = words[w];
                name.append(w == 0 || word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
            }
        }
        return name.toString();
    }
}
