package io.sergeant.backend.redis;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One Lua script of this backend, read from the module's resources, with its SHA-1 for
 * {@code EVALSHA}. Queue scripts get the shared prelude {@code common.lua} prepended (after a line
 * that tells the prelude whether it runs the layout check). Immutable and
 * thread safe.
 */
final class LuaScript {

    private final String name;
    private final byte[] source;
    private final byte[] sha;

    private LuaScript(String name, byte[] source) {
        this.name = Objects.requireNonNull(name, "name is null");
        this.source = source;
        this.sha = sha1Hex(source).getBytes(StandardCharsets.US_ASCII);
    }

    /** A queue script: {@code common.lua}, whose layout check runs first, followed by {@code <name>.lua}. */
    static LuaScript queueScript(String name) {
        return queueScript(name, false);
    }

    /**
     * A queue script that runs the prelude's layout check itself ({@code layout_error()}), after
     * undoing what it must ({@code push_commit.lua}); the prelude does not check first.
     */
    static LuaScript queueScriptCheckingLayoutItself(String name) {
        return queueScript(name, true);
    }

    private static LuaScript queueScript(String name, boolean checksLayoutItself) {
        String header = "local LAYOUT_CHECKED_BY_SCRIPT = " + checksLayoutItself + "\n";
        return new LuaScript(name, (header + read("common") + "\n" + read(name)).getBytes(StandardCharsets.UTF_8));
    }

    /** A script used on its own (locks). */
    static LuaScript standalone(String name) {
        return new LuaScript(name, read(name).getBytes(StandardCharsets.UTF_8));
    }

    String name() {
        return name;
    }

    byte[] source() {
        return source;
    }

    byte[] sha() {
        return sha;
    }

    private static String read(String name) {
        String resource = name + ".lua";
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new SergeantException(ErrorCode.INTERNAL_ERROR,
                        "Lua script '" + resource + "' is missing from the sergeant-backend-redis jar; rebuild it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "cannot read Lua script '" + resource + "'", e);
        }
    }

    private static String sha1Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new SergeantException(ErrorCode.INTERNAL_ERROR, "the JDK has no SHA-1", e);
        }
    }
}
