package io.sergeant.it.hygiene;

import io.sergeant.backend.local.LocalSettings;
import io.sergeant.core.config.WorkerConfigProperties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/adoption.md's configuration reference lists what the code accepts (a reader found three
 * {@code limits.*} keys and the backends' {@code maxPayloadSize} and {@code maxDeadLetters} options
 * missing from it): every key of {@link WorkerConfigProperties#KEYS} has a row in "Worker configuration
 * keys" whose default starts as the key's own description says, and every option of the SQLite backend
 * ({@link LocalSettings#OPTIONS}) is named in "Plugin options".
 */
class ConfigurationReferenceTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z.<>]+)` \\|.*\\| ([^|]+) \\|$", Pattern.MULTILINE);
    private static final Pattern FIRST_WORD = Pattern.compile("[A-Za-z0-9.-]+");

    @Test
    @DisplayName("every worker configuration key has a row with its default, every SQLite option is named")
    void theReferenceListsWhatTheCodeAccepts() throws IOException {
        String adoption = Files.readString(repositoryRoot().resolve("docs/adoption.md"));
        List<String> problems = problems(section(adoption, "### Worker configuration keys"), WorkerConfigProperties.KEYS);
        String plugins = section(adoption, "### Plugin options");
        for (String option : LocalSettings.OPTIONS) {
            if (!plugins.contains("`" + option + "`")) {
                problems.add("SQLite option " + option + " is not in Plugin options");
            }
        }
        assertThat(problems).as("docs/adoption.md against the code").isEmpty();
    }

    @Test
    @DisplayName("the check reports a missing key and a wrong default")
    void theCheckCanFail() {
        String table = "| key | meaning | default |\n|---|---|---|\n| `delivery.lease` | lease | `10s` |\n";
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("delivery.lease", "lease time; default 30s");
        keys.put("delivery.mode", "at-least-once or at-most-once; default at-least-once");
        assertThat(problems(table, keys)).containsExactly(
                "delivery.lease: the reference says `10s`, the code's default is 30s",
                "delivery.mode has no row");
    }

    /** The rows of {@code table} checked against {@code keys} (key to a description ending in "default X"). */
    private static List<String> problems(String table, Map<String, String> keys) {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(table);
        while (row.find()) {
            rows.put(row.group(1), row.group(2).trim());
        }
        List<String> problems = new ArrayList<>();
        keys.forEach((key, description) -> {
            String documented = rows.get(key);
            if (documented == null) {
                problems.add(key + " has no row");
                return;
            }
            int at = description.lastIndexOf("default ");
            if (at < 0) {
                return;
            }
            String expected = firstWord(description.substring(at + "default ".length()));
            if (!firstWord(documented).equals(expected)) {
                problems.add(key + ": the reference says " + documented + ", the code's default is "
                        + description.substring(at + "default ".length()));
            }
        });
        return problems;
    }

    private static String firstWord(String text) {
        Matcher word = FIRST_WORD.matcher(text);
        return word.find() ? word.group() : "";
    }

    /** The text from {@code heading} to the next heading of the same or a higher level. */
    private static String section(String text, String heading) {
        int start = text.indexOf("\n" + heading + "\n");
        assertThat(start).as("section " + heading).isNotNegative();
        int end = text.indexOf("\n### ", start + heading.length() + 1);
        int chapter = text.indexOf("\n## ", start + heading.length() + 1);
        if (end < 0 || (chapter >= 0 && chapter < end)) {
            end = chapter;
        }
        return end < 0 ? text.substring(start) : text.substring(start, end);
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        return dir.getFileName().toString().equals("it-tests") ? dir.getParent() : dir;
    }
}
