package io.sergeant.backend.redis;

/**
 * Every Lua script of the backend, loaded once per backend. The layout and semantics are described
 * in this module's README.md. Immutable and thread safe.
 */
record Scripts(
        LuaScript push,
        LuaScript pushCommit,
        LuaScript popLeased,
        LuaScript popDue,
        LuaScript ack,
        LuaScript extend,
        LuaScript release,
        LuaScript reap,
        LuaScript deadLetter,
        LuaScript deadList,
        LuaScript deadDrain,
        LuaScript purge,
        LuaScript stats,
        LuaScript lockRelease,
        LuaScript lockSetTtl,
        LuaScript nextDue,
        LuaScript buryOversized) {

    /** Reads all scripts from the jar. */
    static Scripts load() {
        return new Scripts(
                LuaScript.queueScript("push"),
                LuaScript.queueScriptCheckingLayoutItself("push_commit"),
                LuaScript.queueScript("pop_leased"),
                LuaScript.queueScript("pop_due"),
                LuaScript.queueScript("ack"),
                LuaScript.queueScript("extend"),
                LuaScript.queueScript("release"),
                LuaScript.queueScript("reap"),
                LuaScript.queueScript("dead_letter"),
                LuaScript.queueScript("dead_list"),
                LuaScript.queueScript("dead_drain"),
                LuaScript.queueScript("purge"),
                LuaScript.queueScript("stats"),
                LuaScript.standalone("lock_release"),
                LuaScript.standalone("lock_set_ttl"),
                LuaScript.queueScript("next_due"),
                LuaScript.queueScript("bury_oversized"));
    }
}
