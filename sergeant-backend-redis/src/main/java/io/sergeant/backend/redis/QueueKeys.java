package io.sergeant.backend.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The fourteen keys of one queue on one shard, in the order every queue script expects them
 * ({@code common.lua}). On independent nodes the first two are Python Sergeant's own ({@code q} and
 * {@code q.delayed}); in a cluster all fourteen carry one hash tag, so each script touches one slot.
 *
 * @param all      the keys, in script order
 * @param ownPrefix the prefix of this shard's own keys, {@code __sergeant__:{<tag>}:}
 */
record QueueKeys(List<byte[]> all, String ownPrefix) {

    private static final String PREFIX = "__sergeant__:{";

    /** Copies the keys. */
    QueueKeys {
        all = List.copyOf(all);
        Objects.requireNonNull(ownPrefix, "ownPrefix is null");
        if (all.size() != 14) {
            throw new IllegalArgumentException("a queue has 14 keys, not " + all.size());
        }
    }

    /** Python Sergeant's layout: list {@code q}, sorted set {@code q.delayed}, plus our own keys. */
    static QueueKeys python(String queue) {
        Objects.requireNonNull(queue, "queue is null");
        String own = PREFIX + queue + "}:";
        return of(queue, queue + ".delayed", own);
    }

    /** A cluster shard: every key is {@code __sergeant__:{<tag>}:<structure>}. */
    static QueueKeys sharded(String tag) {
        Objects.requireNonNull(tag, "tag is null");
        String own = PREFIX + tag + "}:";
        return of(own + "queue", own + "delayed", own);
    }

    private static QueueKeys of(String queue, String delayed, String own) {
        return new QueueKeys(List.of(
                bytes(queue),
                bytes(delayed),
                bytes(own + "redeliver"),
                bytes(own + "batches"),
                bytes(own + "batch-meta"),
                bytes(own + "batch-settled"),
                bytes(own + "leases"),
                bytes(own + "seq"),
                bytes(own + "inflight"),
                bytes(own + "dead"),
                bytes(own + "dead-payload"),
                bytes(own + "dead-info"),
                bytes(own + "dead-trimmed"),
                bytes(own + "counts")), own);
    }

    /** The list of immediate tasks. */
    byte[] queue() {
        return all.get(0);
    }

    /** The sorted set of delayed tasks. */
    byte[] delayed() {
        return all.get(1);
    }

    /** The wake-up list of pickup without polling ({@code push.lua}, {@link RedisWakeups}), in the shard's slot. */
    byte[] wake() {
        return bytes(ownPrefix + "wake");
    }

    /**
     * The keys of {@code push.lua}: the queue's keys, its wake-up list and, for a non-empty push id, the
     * marker of that push (stored once per push id, in the shard's slot).
     */
    List<byte[]> forPush(String pushId) {
        List<byte[]> keys = new java.util.ArrayList<>(all.size() + 2);
        keys.addAll(all);
        keys.add(wake());
        if (!pushId.isEmpty()) {
            keys.add(bytes(ownPrefix + "push:" + pushId));
        }
        return keys;
    }

    /**
     * The queue's keys followed by its wake-up list: the keys of the scripts that make tasks deliverable
     * without a push (hand-back and release, reap, dead-letter requeue), which signal idle workers.
     */
    List<byte[]> withWake() {
        return forPush("");
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
