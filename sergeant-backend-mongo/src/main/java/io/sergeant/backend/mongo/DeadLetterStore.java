package io.sergeant.backend.mongo;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.sergeant.api.DeadLetter;
import io.sergeant.api.DeadLetterInfo;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The dead letters of one node, in the Java-only collection {@code sergeant_dead_letters}:
 * {@code {_id, queue_name, value, reason, delivery_count, dead_at}}. A task that is dead-lettered
 * while leased keeps its {@code _id}, which makes moving it idempotent: a retry after a crash between
 * storing the dead letter and deleting the task finds the dead letter already there. Thread safe;
 * driver exceptions propagate untranslated (the caller translates).
 */
final class DeadLetterStore {

    /** How many dead letters a requeue moves per round trip. */
    private static final int REQUEUE_CHUNK = 500;
    /** How long a requeue may hold a dead letter before another requeue may take it over (seconds). */
    private static final double REQUEUE_HOLD_SECONDS = 300;

    private static final System.Logger LOG = System.getLogger(DeadLetterStore.class.getName());

    private final MongoNode node;
    private final Clock clock;
    private final int cap;

    /** @param cap the dead letters this node keeps per queue, 0 for no cap */
    DeadLetterStore(MongoNode node, Clock clock, int cap) {
        this.node = node;
        this.clock = clock;
        this.cap = cap;
    }

    /**
     * Keeps the newest {@code cap} dead letters of the queue on this node: deletes the oldest over it
     * and logs how many. Called after every store; a count first, so it costs one round trip when the
     * queue is under its cap.
     */
    private void trim(String queue) {
        if (cap == 0) {
            return;
        }
        long over = count(queue) - cap;
        if (over <= 0) {
            return;
        }
        List<ObjectId> oldest = new ArrayList<>();
        for (Document doc : collection().find(Filters.eq(MongoLayout.QUEUE_NAME, queue))
                .sort(Sorts.ascending(MongoLayout.DEAD_AT, MongoLayout.ID))
                .projection(Projections.include(MongoLayout.ID)).limit((int) Math.min(over, 100_000))) {
            oldest.add(doc.getObjectId(MongoLayout.ID));
        }
        long deleted = collection().deleteMany(Filters.in(MongoLayout.ID, oldest)).getDeletedCount();
        if (deleted > 0) {
            LOG.log(System.Logger.Level.WARNING, "queue '" + queue + "' holds more than its share of dead letters ("
                    + cap + " on this node; option 'maxDeadLetters'): deleted the " + deleted + " oldest");
        }
    }

    /** A dead-letter document. */
    static Document document(Object id, String queue, Binary value, String reason, int deliveryCount, double deadAt) {
        return new Document(MongoLayout.ID, id)
                .append(MongoLayout.QUEUE_NAME, queue)
                .append(MongoLayout.VALUE, value)
                .append(MongoLayout.REASON, reason)
                .append(MongoLayout.DELIVERY_COUNT, deliveryCount)
                .append(MongoLayout.DEAD_AT, deadAt)
                .append(MongoLayout.PAYLOAD_SIZE, value.length());
    }

    /** Stores one dead letter; false if one with its {@code _id} already exists. */
    boolean insert(Document deadLetter) {
        try {
            collection().insertOne(deadLetter);
            trim(deadLetter.getString(MongoLayout.QUEUE_NAME));
            return true;
        } catch (MongoWriteException e) {
            if (MongoErrors.isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    /** Stores dead letters in one round trip; those whose {@code _id} already exists are left as they are. */
    void insertAll(List<Document> deadLetters) {
        if (deadLetters.isEmpty()) {
            return;
        }
        List<InsertOneModel<Document>> inserts = new ArrayList<>(deadLetters.size());
        for (Document deadLetter : deadLetters) {
            inserts.add(new InsertOneModel<>(deadLetter));
        }
        try {
            collection().bulkWrite(inserts, new BulkWriteOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                if (!MongoErrors.isDuplicateKeyCode(error.getCode())) {
                    throw e;
                }
            }
            if (e.getWriteConcernError() != null) {
                throw e;
            }
        }
        java.util.Set<String> queues = new java.util.LinkedHashSet<>();
        for (Document deadLetter : deadLetters) {
            queues.add(deadLetter.getString(MongoLayout.QUEUE_NAME));
        }
        queues.forEach(this::trim);
    }

    /**
     * Stores dead letters for tasks the caller holds under lease token {@code batch}, then deletes those
     * tasks. Returns how many tasks were moved. The dead letters keep the tasks' ids, so a repeat after a
     * crash in between is harmless.
     */
    int moveHeld(List<Document> letters, String batch) {
        insertAll(letters);
        List<Object> ids = new ArrayList<>(letters.size());
        for (Document letter : letters) {
            ids.add(letter.get(MongoLayout.ID));
        }
        return (int) node.tasks().deleteMany(Filters.and(Filters.in(MongoLayout.ID, ids),
                Filters.eq(MongoLayout.LEASE, batch))).getDeletedCount();
    }

    /** Deletes the dead letter {@code id}; used to undo a store whose task turned out not to be ours. */
    void delete(ObjectId id) {
        collection().deleteOne(Filters.eq(MongoLayout.ID, id));
    }

    /** Up to {@code limit} dead letters of the queue, oldest first. */
    List<DeadLetter> list(String queue, int limit) {
        return letters(collection().find(Filters.eq(MongoLayout.QUEUE_NAME, queue))
                .sort(Sorts.ascending(MongoLayout.DEAD_AT, MongoLayout.ID)).limit(limit));
    }

    /** The dead letters of the queue with these ids (those still there), in no particular order. */
    List<DeadLetter> byIds(String queue, List<ObjectId> ids) {
        return letters(collection().find(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                Filters.in(MongoLayout.ID, ids))));
    }

    private List<DeadLetter> letters(Iterable<Document> docs) {
        List<DeadLetter> result = new ArrayList<>();
        for (Document doc : docs) {
            result.add(new DeadLetter(
                    LeaseRef.id(node.index(), doc.getObjectId(MongoLayout.ID)),
                    doc.get(MongoLayout.VALUE, Binary.class).getData(),
                    String.valueOf(doc.get(MongoLayout.REASON)),
                    TaskDocuments.number(doc, MongoLayout.DELIVERY_COUNT),
                    doc.get(MongoLayout.DEAD_AT, Number.class).doubleValue()));
        }
        return result;
    }

    /**
     * Up to {@code limit} dead letters of the queue, oldest first, without their payloads: the size
     * comes from the {@code payload_size} field stored with each; only a dead letter written before
     * that field existed has its payload read to measure it.
     */
    List<DeadLetterInfo> infos(String queue, int limit) {
        List<DeadLetterInfo> result = new ArrayList<>();
        for (Document doc : collection().find(Filters.eq(MongoLayout.QUEUE_NAME, queue))
                .sort(Sorts.ascending(MongoLayout.DEAD_AT, MongoLayout.ID)).limit(limit)
                .projection(Projections.exclude(MongoLayout.VALUE))) {
            Number size = doc.get(MongoLayout.PAYLOAD_SIZE, Number.class);
            long bytes;
            if (size != null) {
                bytes = size.longValue();
            } else {
                Document old = collection().find(Filters.eq(MongoLayout.ID, doc.get(MongoLayout.ID)))
                        .projection(Projections.include(MongoLayout.VALUE)).first();
                bytes = old == null ? 0 : old.get(MongoLayout.VALUE, Binary.class).length();
            }
            result.add(new DeadLetterInfo(LeaseRef.id(node.index(), doc.getObjectId(MongoLayout.ID)), bytes,
                    String.valueOf(doc.get(MongoLayout.REASON)), TaskDocuments.number(doc, MongoLayout.DELIVERY_COUNT),
                    doc.get(MongoLayout.DEAD_AT, Number.class).doubleValue()));
        }
        return result;
    }

    /** How many dead letters the queue has. */
    long count(String queue) {
        return collection().countDocuments(Filters.eq(MongoLayout.QUEUE_NAME, queue));
    }

    /** Deletes the queue's dead letters; returns how many. */
    long purge(String queue) {
        return collection().deleteMany(Filters.eq(MongoLayout.QUEUE_NAME, queue)).getDeletedCount();
    }

    /**
     * Moves the queue's dead letters back into {@code task_queue} as fresh NORMAL tasks (new
     * {@code _id}s, oldest first, no delivery count), in chunks. Each chunk is first marked with a
     * requeue token so that two concurrent requeues never copy the same dead letter; a mark left by a
     * crashed requeue expires after a few minutes. Returns how many were moved.
     */
    long requeue(String queue, TaskStore tasks) {
        long moved = 0;
        String token = UUID.randomUUID().toString();
        while (true) {
            double now = TaskDocuments.seconds(clock);
            Bson free = Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.or(
                    Filters.exists(MongoLayout.REQUEUE_UNTIL, false), Filters.lt(MongoLayout.REQUEUE_UNTIL, now)));
            List<ObjectId> ids = new ArrayList<>();
            for (Document doc : collection().find(free).sort(Sorts.ascending(MongoLayout.DEAD_AT, MongoLayout.ID))
                    .projection(Projections.include(MongoLayout.ID)).limit(REQUEUE_CHUNK)) {
                ids.add(doc.getObjectId(MongoLayout.ID));
            }
            if (ids.isEmpty()) {
                return moved;
            }
            collection().updateMany(Filters.and(Filters.in(MongoLayout.ID, ids), free), Updates.combine(
                    Updates.set(MongoLayout.REQUEUE, token),
                    Updates.set(MongoLayout.REQUEUE_UNTIL, now + REQUEUE_HOLD_SECONDS)));
            Bson mine = Filters.and(Filters.in(MongoLayout.ID, ids), Filters.eq(MongoLayout.REQUEUE, token));
            List<byte[]> values = new ArrayList<>();
            for (Document doc : collection().find(mine).sort(Sorts.ascending(MongoLayout.DEAD_AT, MongoLayout.ID))
                    .projection(Projections.include(MongoLayout.VALUE))) {
                values.add(doc.get(MongoLayout.VALUE, Binary.class).getData());
            }
            if (!values.isEmpty()) {
                tasks.insert(queue, values, MongoLayout.NORMAL);
                collection().deleteMany(mine);
                moved += values.size();
            }
        }
    }

    /**
     * Moves dead letter {@code id} of the queue back into {@code task_queue} as a fresh NORMAL task:
     * marked with a requeue token first (as {@link #requeue} does, so two requeues never copy it twice),
     * copied, then deleted. False when the queue has no such dead letter (or another requeue holds it).
     */
    boolean requeueOne(String queue, ObjectId id, TaskStore tasks) {
        String token = UUID.randomUUID().toString();
        double now = TaskDocuments.seconds(clock);
        Bson free = Filters.and(Filters.eq(MongoLayout.ID, id), Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.or(
                Filters.exists(MongoLayout.REQUEUE_UNTIL, false), Filters.lt(MongoLayout.REQUEUE_UNTIL, now)));
        if (collection().updateOne(free, Updates.combine(Updates.set(MongoLayout.REQUEUE, token),
                Updates.set(MongoLayout.REQUEUE_UNTIL, now + REQUEUE_HOLD_SECONDS))).getModifiedCount() != 1) {
            return false;
        }
        Bson mine = Filters.and(Filters.eq(MongoLayout.ID, id), Filters.eq(MongoLayout.REQUEUE, token));
        Document doc = collection().find(mine).projection(Projections.include(MongoLayout.VALUE)).first();
        if (doc == null) {
            return false;
        }
        tasks.insert(queue, List.of(doc.get(MongoLayout.VALUE, Binary.class).getData()), MongoLayout.NORMAL);
        collection().deleteOne(mine);
        return true;
    }

    /** Deletes dead letter {@code id} of the queue; false when there is none. */
    boolean deleteOne(String queue, ObjectId id) {
        return collection().deleteOne(Filters.and(Filters.eq(MongoLayout.ID, id),
                Filters.eq(MongoLayout.QUEUE_NAME, queue))).getDeletedCount() == 1;
    }

    private MongoCollection<Document> collection() {
        return node.deadLetters();
    }
}
