package io.sergeant.codec.support;

import io.sergeant.spi.PluginOptions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Selects a codec plugin's own options from the shared encoder options: the keys that start with the
 * plugin's name plus a dot ({@code zlib.level}). Keys of other prefixes belong to other plugins and are
 * ignored here (core rejects keys whose prefix names no configured plugin); an unknown key of the plugin's
 * own prefix is an {@code INVALID_CONFIGURATION} error naming it, the closest known key and the known
 * ones. Stateless; internal.
 */
public final class PrefixedOptions {

    private PrefixedOptions() {
    }

    /**
     * The options of {@code name} (full keys kept, for example {@code java.allow}).
     *
     * @param kind  {@code serializer} or {@code compressor}, for messages
     * @param known the accepted full keys
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for an unknown key with the prefix
     */
    public static PluginOptions select(PluginOptions all, String kind, String name, Set<String> known) {
        String prefix = name + ".";
        Map<String, String> own = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : all.asMap().entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                own.put(entry.getKey(), entry.getValue());
            }
        }
        return new PluginOptions(kind + " '" + name + "'", own).requireOnly(known);
    }
}
