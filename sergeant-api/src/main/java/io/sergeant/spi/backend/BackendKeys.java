package io.sergeant.spi.backend;

import java.util.Optional;

/**
 * The key role: a small key-value store shared by producers and workers, in Python Sergeant's layout
 * where it has one. Values are opaque bytes. Thread safe; blocking; failures as described on
 * {@link Backend}.
 *
 * @since 0.1
 */
public interface BackendKeys {

    /** Stores a value; true if the key is new. */
    boolean keySet(String key, byte[] value);

    /** A key's value, or empty. */
    Optional<byte[]> keyGet(String key);

    /** Deletes a key; true if it existed. */
    boolean keyDelete(String key);
}
