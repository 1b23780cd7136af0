package io.sergeant.backend.mongo;

import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.types.Binary;

import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;

/**
 * Keys ({@code keys}: {@code {key, value}}) and locks ({@code locks}: {@code {name, expireAt}} plus
 * the Java-only {@code owner}) of one node, in Python Sergeant's layout.
 *
 * <p>Locks: {@code name} is unique and {@code expireAt} has a TTL index, as in Python. The TTL monitor
 * deletes expired locks only about once a minute, so no decision here relies on it: a lock whose
 * {@code expireAt} has passed is free. Acquire is one upsert guarded by {@code expireAt <= now}:
 * it takes over an expired lock, inserts a missing one, and fails with a duplicate key (answered as
 * "not acquired") while a live lock exists. Release, TTL changes and checks match the owner token
 * and a live {@code expireAt}. Thread safe; driver exceptions propagate untranslated.
 */
final class KeyLockStore {

    private final MongoNode node;
    private final Clock clock;

    KeyLockStore(MongoNode node, Clock clock) {
        this.node = node;
        this.clock = clock;
    }

    /** Python's {@code key_set}: an upsert; true if the key is new. */
    boolean keySet(String key, byte[] value) {
        return node.keys().updateOne(Filters.eq(MongoLayout.KEY, key),
                Updates.combine(Updates.set(MongoLayout.KEY, key), Updates.set(MongoLayout.VALUE, new Binary(value))),
                new UpdateOptions().upsert(true)).getUpsertedId() != null;
    }

    Optional<byte[]> keyGet(String key) {
        Document doc = node.keys().find(Filters.eq(MongoLayout.KEY, key))
                .projection(Projections.include(MongoLayout.VALUE)).first();
        return doc == null ? Optional.empty() : Optional.of(doc.get(MongoLayout.VALUE, Binary.class).getData());
    }

    /** Deletes the key (every copy, should concurrent upserts have made two; the index is not unique, as in Python). */
    boolean keyDelete(String key) {
        return node.keys().deleteMany(Filters.eq(MongoLayout.KEY, key)).getDeletedCount() > 0;
    }

    boolean lockAcquire(String name, String owner, Duration ttl) {
        Date now = new Date(clock.millis());
        try {
            node.locks().updateOne(
                    Filters.and(Filters.eq(MongoLayout.LOCK_NAME, name), Filters.lte(MongoLayout.EXPIRE_AT, now)),
                    Updates.combine(Updates.set(MongoLayout.EXPIRE_AT, plus(now, ttl)),
                            Updates.set(MongoLayout.LOCK_OWNER, owner)),
                    new UpdateOptions().upsert(true));
            return true;
        } catch (MongoWriteException e) {
            if (MongoErrors.isDuplicateKey(e)) {
                return false; // a live lock exists
            }
            throw e;
        }
    }

    /** Deletes the lock if {@code owner} holds it and it is live; an expired lock of the owner is cleaned up but reported as not released. */
    boolean lockRelease(String name, String owner) {
        Date now = new Date(clock.millis());
        long deleted = node.locks().deleteOne(Filters.and(Filters.eq(MongoLayout.LOCK_NAME, name),
                Filters.eq(MongoLayout.LOCK_OWNER, owner), Filters.gt(MongoLayout.EXPIRE_AT, now))).getDeletedCount();
        if (deleted == 1) {
            return true;
        }
        node.locks().deleteOne(Filters.and(Filters.eq(MongoLayout.LOCK_NAME, name),
                Filters.eq(MongoLayout.LOCK_OWNER, owner), Filters.lte(MongoLayout.EXPIRE_AT, now)));
        return false;
    }

    boolean lockIsLocked(String name) {
        return live(name) != null;
    }

    boolean lockSetTtl(String name, String owner, Duration ttl) {
        Date now = new Date(clock.millis());
        return node.locks().updateOne(Filters.and(Filters.eq(MongoLayout.LOCK_NAME, name),
                        Filters.eq(MongoLayout.LOCK_OWNER, owner), Filters.gt(MongoLayout.EXPIRE_AT, now)),
                Updates.set(MongoLayout.EXPIRE_AT, plus(now, ttl))).getMatchedCount() == 1;
    }

    /** The time left, in whole seconds rounded up (as Python's {@code get_ttl}), or empty. */
    Optional<Duration> lockTtl(String name) {
        long now = clock.millis();
        Document doc = live(name);
        if (doc == null) {
            return Optional.empty();
        }
        long left = doc.getDate(MongoLayout.EXPIRE_AT).getTime() - now;
        return left <= 0 ? Optional.empty() : Optional.of(Duration.ofSeconds((left + 999) / 1000));
    }

    private Document live(String name) {
        return node.locks().find(Filters.and(Filters.eq(MongoLayout.LOCK_NAME, name),
                        Filters.gt(MongoLayout.EXPIRE_AT, new Date(clock.millis()))))
                .projection(Projections.include(MongoLayout.EXPIRE_AT)).first();
    }

    private static Date plus(Date now, Duration ttl) {
        return new Date(now.getTime() + ttl.toMillis());
    }
}
