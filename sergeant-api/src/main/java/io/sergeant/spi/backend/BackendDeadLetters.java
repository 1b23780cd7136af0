package io.sergeant.spi.backend;

import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;

import java.util.List;

/**
 * The dead-letter role: a per-queue store of tasks that were given up on (delivered
 * {@code maxDeliveries} times, or undecodable), kept byte for byte so they can be listed, requeued or
 * purged. Dead letters live under names Python Sergeant never touches. Thread safe; blocking;
 * failures as described on {@link Backend}.
 *
 * @since 0.1
 */
public interface BackendDeadLetters {

    /**
     * Moves one delivery to the dead letters with a reason (an undecodable payload, a poison task).
     * A leased delivery must still hold its lease (false if the receipt is stale); an unleased one's
     * payload is stored as given.
     *
     * @return whether the dead letter was stored
     */
    boolean deadLetter(String queue, Delivery delivery, String reason);

    /**
     * Up to {@code limit} dead letters, oldest first. Only the payloads of the letters returned are
     * fetched from the store: a backend of several nodes or shards picks the oldest {@code limit} by
     * their times first (as {@link #deadLetterInfos} lists them) and then reads those payloads, rather
     * than reading {@code limit} payloads from every node and dropping the extra.
     */
    List<DeadLetter> deadLetters(String queue, int limit);

    /**
     * Up to {@code limit} dead letters, oldest first, with their payload sizes instead of their
     * payloads (what a listing prints): no payload is fetched from the store. The default reads the
     * payloads through {@link #deadLetters}; every backend that can tell a size without reading the
     * payload overrides it (all the built-in ones do; the compatibility suite measures it).
     *
     * @since 0.2
     */
    default List<DeadLetterInfo> deadLetterInfos(String queue, int limit) {
        return deadLetters(queue, limit).stream().map(DeadLetterInfo::of).toList();
    }

    /**
     * The dead letters of the queue with these ids (as {@link #deadLetters} or {@link #deadLetterInfos}
     * gave them), payloads included, in the order of {@code ids}; an id that names no dead letter of the
     * queue (any more) is left out, never an error. Only these payloads are fetched, so a listing can read
     * the payloads it prints and no others. The default lists every dead letter of the queue through
     * {@link #deadLetters} and picks these, which fetches every payload; a backend that can read dead
     * letters by id overrides it (all the built-in ones do).
     *
     * @since 0.2
     */
    default List<DeadLetter> deadLettersById(String queue, List<String> ids) {
        java.util.Objects.requireNonNull(queue, "queue is null");
        java.util.Objects.requireNonNull(ids, "ids is null");
        java.util.Map<String, DeadLetter> all = new java.util.HashMap<>();
        deadLetters(queue, Integer.MAX_VALUE).forEach(letter -> all.put(letter.id(), letter));
        return ids.stream().map(all::get).filter(java.util.Objects::nonNull).toList();
    }

    /** Moves every dead letter back to the queue (NORMAL, delivery count reset); returns how many. */
    long requeueDeadLetters(String queue);

    /** Deletes every dead letter; returns how many. */
    long purgeDeadLetters(String queue);

    /**
     * Moves one dead letter (by the id {@link #deadLetters} gave it) back to the queue, NORMAL, delivery
     * count reset, like {@link #requeueDeadLetters}. The default, for backends that can only move all,
     * throws.
     *
     * @return true if it was there and was moved; false if no dead letter of the queue has that id
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot act on one dead letter
     * @since 0.2
     */
    default boolean requeueDeadLetter(String queue, String id) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, "requeueing one dead letter is not offered by "
                + getClass().getName() + "; requeue them all instead");
    }

    /**
     * Deletes one dead letter (by the id {@link #deadLetters} gave it). The default, for backends that
     * can only purge all, throws.
     *
     * @return true if it was there and was deleted; false if no dead letter of the queue has that id
     * @throws SergeantException {@code BACKEND_ROLE_MISSING} when the backend cannot act on one dead letter
     * @since 0.2
     */
    default boolean deleteDeadLetter(String queue, String id) {
        throw new SergeantException(ErrorCode.BACKEND_ROLE_MISSING, "deleting one dead letter is not offered by "
                + getClass().getName() + "; purge them all instead");
    }
}
