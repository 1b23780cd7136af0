package io.sergeant.backend.mongo;

import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteManyModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateManyModel;
import com.mongodb.client.model.WriteModel;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a batch of tasks is claimed on one node, the one path that every batch pop and settle-and-pop
 * takes: one find reads the candidates with everything a delivery needs (payload and delivery count),
 * then one bulk write claims them, each guarded by "still due, and still the delivery count read" —
 * every claim raises the count, so a guard that holds means nobody claimed the task in between and the
 * payload read is the one claimed. The same bulk write may first delete acked tasks (settle-and-pop).
 * When the bulk write claimed every candidate (no other consumer raced for them) that is all: one find
 * and one bulk write per batch. Only after a race does one more find read back which were won.
 *
 * <p>Then {@link #handOut} turns the claimed documents into deliveries: leased ones with receipts, or
 * (at-most-once) deleted first; payloads over the limit and tasks past {@code maxDeliveries} go to the
 * dead letters instead. Thread safe; driver exceptions propagate untranslated.
 */
final class TaskClaims {

    private final MongoNode node;
    private final Clock clock;
    private final DeadLetterStore deadLetters;
    private final int maxPayloadBytes;

    /** A claim's token and lease deadline (also the claimed tasks' priority). */
    record Batch(String token, double deadline) {
    }

    /**
     * What one bulk write did.
     *
     * @param acked   how many acked tasks it deleted
     * @param claimed the candidates it claimed, in queue order, with their delivery count as claimed
     */
    record Written(int acked, List<Document> claimed) {
    }

    /** @param maxPayloadBytes a delivery whose payload is longer goes to the dead letters instead */
    TaskClaims(MongoNode node, Clock clock, DeadLetterStore deadLetters, int maxPayloadBytes) {
        this.node = node;
        this.clock = clock;
        this.deadLetters = deadLetters;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** Up to {@code max} deliverable tasks of the queue in pop order, with payload and delivery count. */
    List<Document> candidates(String queue, double now, int max) {
        List<Document> found = new ArrayList<>(max);
        if (max <= 0) {
            return found;
        }
        tasks().find(TaskDocuments.due(queue, now)).sort(TaskDocuments.ORDER)
                .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES)).limit(max).into(found);
        return found;
    }

    /**
     * One ordered bulk write: deletes the tasks {@code acks} hold (if any), then claims the candidates for
     * {@code batch}, grouped by the delivery count read (one update statement per count, usually one).
     */
    Written write(String queue, List<LeaseRef> acks, List<Document> candidates, double now, Batch batch) {
        List<WriteModel<Document>> writes = new ArrayList<>(2);
        if (!acks.isEmpty()) {
            writes.add(new DeleteManyModel<>(TaskDocuments.held(queue, acks)));
        }
        Map<Integer, List<ObjectId>> byCount = new LinkedHashMap<>();
        for (Document doc : candidates) {
            byCount.computeIfAbsent(TaskDocuments.number(doc, MongoLayout.DELIVERIES), n -> new ArrayList<>())
                    .add(doc.getObjectId(MongoLayout.ID));
        }
        for (Map.Entry<Integer, List<ObjectId>> group : byCount.entrySet()) {
            writes.add(new UpdateManyModel<>(Filters.and(Filters.in(MongoLayout.ID, group.getValue()),
                    Filters.lte(MongoLayout.PRIORITY, now), TaskDocuments.deliveriesAre(group.getKey())),
                    TaskDocuments.claim(batch.token(), batch.deadline(), true)));
        }
        if (writes.isEmpty()) {
            return new Written(0, List.of());
        }
        BulkWriteResult result = tasks().bulkWrite(writes, new BulkWriteOptions().ordered(true));
        return new Written(result.getDeletedCount(), won(queue, candidates, result.getMatchedCount(), batch));
    }

    /** The candidates the claim took, their delivery counts raised as the update raised them. */
    private List<Document> won(String queue, List<Document> candidates, int matched, Batch batch) {
        if (matched == 0) {
            return List.of();
        }
        List<Document> won = candidates;
        if (matched < candidates.size()) {
            // Other consumers took some candidates first: read back which are ours, by token.
            Set<Object> ours = new HashSet<>();
            for (Document doc : tasks().find(TaskDocuments.claimedBy(queue, batch.token(), batch.deadline()))
                    .projection(Projections.include(MongoLayout.ID))) {
                ours.add(doc.get(MongoLayout.ID));
            }
            won = new ArrayList<>(ours.size());
            for (Document doc : candidates) {
                if (ours.contains(doc.get(MongoLayout.ID))) {
                    won.add(doc);
                }
            }
        }
        for (Document doc : won) {
            doc.put(MongoLayout.DELIVERIES, TaskDocuments.number(doc, MongoLayout.DELIVERIES) + 1);
        }
        return won;
    }

    /**
     * Hands out tasks this caller claimed under {@code batch}: at-least-once as leased deliveries
     * (dead-lettering those past {@code maxDeliveries}), at-most-once by deleting them first. Payloads
     * over the limit go to the dead letters either way.
     */
    void handOut(String queue, List<Document> claimed, Batch batch, DeliveryOptions options, List<Delivery> out) {
        if (claimed.isEmpty()) {
            return;
        }
        if (options.leased()) {
            handOutLeased(queue, claimed, batch.token(), options, out);
            return;
        }
        List<Document> tooLarge = new ArrayList<>();
        for (Document doc : claimed) {
            if (oversized(doc)) {
                tooLarge.add(doc);
            }
        }
        if (!tooLarge.isEmpty()) {
            buryDeleted(queue, tooLarge); // stored before the delete: a crash in between loses nothing
        }
        // Only this batch's token matches; a claim is never taken over within its hold of a minute.
        tasks().deleteMany(TaskDocuments.claimedBy(queue, batch.token(), batch.deadline()));
        for (Document doc : claimed) {
            if (!oversized(doc)) {
                out.add(new Delivery(TaskDocuments.value(doc), null));
            }
        }
    }

    /** Hands out leased tasks, dead-lettering those whose delivery count passed {@code maxDeliveries}. */
    void handOutLeased(String queue, List<Document> claimed, String batch, DeliveryOptions options, List<Delivery> out) {
        List<Document> letters = new ArrayList<>();
        double now = TaskDocuments.seconds(clock);
        for (Document doc : claimed) {
            int deliveries = Math.max(1, TaskDocuments.number(doc, MongoLayout.DELIVERIES));
            Binary value = doc.get(MongoLayout.VALUE, Binary.class);
            if (oversized(doc)) {
                letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue, value,
                        oversizedReason(doc), deliveries, now));
            } else if (deliveries > options.maxDeliveries()) {
                letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue, value,
                        "delivered " + (deliveries - 1) + " times without an ack; maxDeliveries is "
                                + options.maxDeliveries(), deliveries - 1, now));
            } else {
                out.add(new Delivery(value.getData(),
                        LeaseRef.receipt(node.index(), doc.getObjectId(MongoLayout.ID), batch, deliveries)));
            }
        }
        if (!letters.isEmpty()) {
            deadLetters.moveHeld(letters, batch);
        }
    }

    /** Whether a payload is over the limit and handed to the dead letters instead of a worker. */
    boolean oversized(Document doc) {
        Binary value = doc.get(MongoLayout.VALUE, Binary.class);
        return value != null && value.length() > maxPayloadBytes;
    }

    /** Dead letters for unleased tasks already deleted (at-most-once) whose payloads are over the limit. */
    void buryDeleted(String queue, List<Document> docs) {
        List<Document> letters = new ArrayList<>(docs.size());
        double now = TaskDocuments.seconds(clock);
        for (Document doc : docs) {
            letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue,
                    doc.get(MongoLayout.VALUE, Binary.class), oversizedReason(doc), 1, now));
        }
        deadLetters.insertAll(letters);
    }

    private String oversizedReason(Document doc) {
        return "undecodable: the payload has " + doc.get(MongoLayout.VALUE, Binary.class).length()
                + " bytes, over the maximum encoded size of " + maxPayloadBytes
                + " bytes (limits.maxEncodedBytes); the backend refused it before it reached a worker";
    }

    private MongoCollection<Document> tasks() {
        return node.tasks();
    }
}
