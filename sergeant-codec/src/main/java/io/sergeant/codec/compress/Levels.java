package io.sergeant.codec.compress;

import io.sergeant.codec.support.Errors;
import io.sergeant.spi.PluginOptions;

/** Reads and checks an integer level option. Stateless; internal to the package. */
final class Levels {

    private Levels() {
    }

    static int read(PluginOptions options, String key, int defaultValue, int min, int max) {
        int level = options.integer(key, defaultValue);
        if (level < min || level > max) {
            throw Errors.invalidConfiguration("option '" + key + "' is " + level + "; expected " + min + " to " + max
                    + " (default " + defaultValue + ", Python Sergeant's)");
        }
        return level;
    }
}
