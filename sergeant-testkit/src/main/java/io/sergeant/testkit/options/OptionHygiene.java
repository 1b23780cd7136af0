package io.sergeant.testkit.options;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The option rules every plugin keeps (issue 12): an unknown option key is refused at creation with
 * {@code INVALID_CONFIGURATION}, naming the key and listing the known ones; a key one typo away from a
 * known one gets a "did you mean"; and option names follow one style, lower camel case
 * ({@code poolSize}, {@code jvmOptions}), behind the plugin's name and a dot for encoder plugins
 * ({@code zlib.level}). A plugin's test (or a test over every installed plugin) calls
 * {@link #check(String, Consumer, String)} with a way to create the plugin from options.
 *
 * <p>Stateless; the assertions are AssertJ's.
 */
public final class OptionHygiene {

    /** One option name: lower camel case. */
    public static final Pattern OPTION_NAME = Pattern.compile("[a-z][a-zA-Z0-9]*");

    private static final Pattern KNOWN = Pattern.compile("; known: (.*)$");

    private OptionHygiene() {
    }

    /**
     * Checks a plugin's option handling.
     *
     * @param plugin  the plugin, for messages (for example {@code backend 'redis'})
     * @param create  creates the plugin from these options (and closes it, if it opened anything);
     *                called once with an unknown key and, when the plugin has options, once with a
     *                misspelling of one of them
     * @param prefix  what every option key of this plugin starts with ({@code zlib.} for an encoder
     *                plugin, empty otherwise)
     * @return the plugin's known option names, as its error message lists them
     */
    public static List<String> check(String plugin, Consumer<Map<String, String>> create, String prefix) {
        Objects.requireNonNull(create, "create is null");
        String unknown = prefix + "zzNoSuchOption";
        String message = refusal(plugin, create, unknown);
        assertThat(message).as("%s names the unknown key", plugin).contains(unknown);
        Matcher matcher = KNOWN.matcher(message);
        if (!matcher.find()) {
            fail(plugin + " refuses '" + unknown + "' without listing its known options ('; known: ...'): " + message);
        }
        List<String> known = new ArrayList<>();
        String list = matcher.group(1).trim();
        if (!list.equals("none")) {
            for (String name : list.split(",\\s*")) {
                known.add(name.trim());
            }
        }
        for (String name : known) {
            assertThat(name).as("%s option name", plugin).startsWith(prefix);
            assertThat(name.substring(prefix.length())).as("%s option '%s' is lower camel case", plugin, name)
                    .matches(OPTION_NAME);
        }
        if (!known.isEmpty()) {
            String intended = known.get(0);
            String misspelled = intended.substring(0, intended.length() - 1) + "x" + intended.charAt(intended.length() - 1);
            assertThat(refusal(plugin, create, misspelled)).as("%s suggests the intended key", plugin)
                    .contains("did you mean '" + intended + "'?");
        }
        return known;
    }

    private static String refusal(String plugin, Consumer<Map<String, String>> create, String key) {
        try {
            create.accept(Map.of(key, "1"));
        } catch (SergeantException e) {
            assertThat(e.code()).as("%s refuses '%s' as a configuration error: %s", plugin, key, e.getMessage())
                    .isEqualTo(ErrorCode.INVALID_CONFIGURATION);
            return e.getMessage();
        }
        return fail(plugin + " accepted the unknown option '" + key + "'; reject unknown keys with"
                + " PluginOptions.requireOnly(...)");
    }
}
