package io.sergeant.cli;

import io.sergeant.spi.PluginOptions;
import picocli.CommandLine;

import java.time.Duration;

/** picocli converters for durations and byte sizes, with the formats of the configuration keys. */
final class Converters {

    private Converters() {
    }

    /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, plain seconds, or ISO-8601 ({@code PT10S}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return PluginOptions.parseDuration(value);
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a duration; write for example 500ms, 10s, 5m or 1h");
            }
        }
    }

    /** {@code 512M}, {@code 2G}, {@code 1024K} or plain bytes. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return PluginOptions.parseSize(value);
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a size; write for example 512M, 2G or a number of bytes");
            }
        }
    }
}
