package io.sergeant.testkit.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The bytes Python Sergeant v0.27.0 wrote for the interop tests, shipped in this jar as resources under
 * {@code io/sergeant/testkit/interop/} (see the README.md there for how they were produced). Tests read
 * them from the class path, so a fresh clone needs nothing beside it.
 *
 * <p>Stateless and thread safe. A name that is not a fixture fails with an {@link IllegalArgumentException}
 * naming it; nothing here returns null.
 */
public final class InteropFixtures {

    private static final String FOLDER = "/io/sergeant/testkit/interop/";

    private InteropFixtures() {
    }

    /**
     * The bytes of one fixture file, for example {@code task-msgpack-none.bin}.
     *
     * @throws IllegalArgumentException if the file is not among the fixtures
     * @throws UncheckedIOException if the class path resource cannot be read
     */
    public static byte[] bytes(String file) {
        try (InputStream in = InteropFixtures.class.getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                throw new IllegalArgumentException("interop fixture '" + file + "' is not on the class path under "
                        + FOLDER + "; add it to sergeant-testkit/src/main/resources" + FOLDER);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read interop fixture '" + file + "'", e);
        }
    }

    /** A fixture file as UTF-8 text, for example {@code fixtures.json}; fails as {@link #bytes} does. */
    public static String text(String file) {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }
}
