package io.sergeant.backend.mongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndDeleteOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.ReapResult;
import io.sergeant.spi.backend.Receipt;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The queues of one node, in Python Sergeant's {@code task_queue} collection, without
 * multi-document transactions (so a standalone server works).
 *
 * <p><b>The lease is the priority.</b> A task is deliverable when {@code priority <= now}, exactly
 * Python's pop filter. Claiming a task sets its {@code priority} (and {@code sergeant_deadline}) to
 * the lease deadline and {@code sergeant_lease} to the batch's token, in one conditional update per
 * batch ({@code updateMany} on the selected ids, guarded by {@code priority <= now}). MongoDB
 * applies an update atomically per document and re-checks the filter, so of two consumers racing for
 * a task exactly one claims it; the other simply claims fewer and looks again. Because a leased task's
 * priority is in the future, Python consumers sharing the collection do not take in-flight tasks
 * either; an expired lease becomes deliverable again by itself, for Python and Java alike, and
 * {@link #reap} puts it back at the head of the queue (priority 0.0) or dead-letters it.
 *
 * <p>At-most-once pops claim the same way with a short hold and then delete what they claimed; a
 * single-task pop is one {@code findOneAndDelete}. A consumer that dies between claim and delete
 * leaves the task hidden for {@link #CLAIM_HOLD_SECONDS} seconds, after which it is delivered again:
 * no task is lost before it was handed out.
 *
 * <p>Time is the client's clock (the plugin context's), as in Python Sergeant, whose delayed tasks and
 * pop filter use client time; keep the clocks of producers and workers in sync (NTP) to well within
 * the lease time. Thread safe; driver exceptions propagate untranslated (the caller translates).
 */
final class TaskStore {

    /** How long an at-most-once claim hides a task before it is deleted (seconds). */
    static final double CLAIM_HOLD_SECONDS = 60;
    /** Batches of up to this many tasks are popped one document at a time (one round trip each). */
    private static final int SINGLE_DOCUMENT_POPS = 2;
    /** How many times a pop looks again when other consumers took its candidates first. */
    private static final int MAX_ROUNDS = 16;

    private static final Bson ORDER = Sorts.ascending(MongoLayout.PRIORITY, MongoLayout.ID);
    private static final Bson LEASE_FIELDS = Projections.include(MongoLayout.LEASE);

    private final MongoNode node;
    private final Clock clock;
    private final DeadLetterStore deadLetters;
    private final int maxPayloadBytes;

    /** @param maxPayloadBytes a pop dead-letters a payload longer than this instead of returning it */
    TaskStore(MongoNode node, Clock clock, DeadLetterStore deadLetters, int maxPayloadBytes) {
        this.node = node;
        this.clock = clock;
        this.deadLetters = deadLetters;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    private boolean oversized(Document doc) {
        Binary value = doc.get(MongoLayout.VALUE, Binary.class);
        return value != null && value.length() > maxPayloadBytes;
    }

    private String oversizedReason(Document doc) {
        return "undecodable: the payload has " + doc.get(MongoLayout.VALUE, Binary.class).length()
                + " bytes, over the maximum encoded size of " + maxPayloadBytes
                + " bytes (limits.maxEncodedBytes); the backend refused it before it reached a worker";
    }

    /** Dead letters for unleased tasks this pop already deleted (at-most-once) that are too large to hand out. */
    private void buryDeleted(String queue, List<Document> docs) {
        List<Document> letters = new ArrayList<>(docs.size());
        double now = seconds(clock);
        for (Document doc : docs) {
            letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue,
                    doc.get(MongoLayout.VALUE, Binary.class), oversizedReason(doc), 1, now));
        }
        deadLetters.insertAll(letters);
    }

    /** The current time in epoch seconds, as Python's {@code time.time()}. */
    static double seconds(Clock clock) {
        return clock.millis() / 1000.0;
    }

    /** Inserts tasks with one priority value in their order ({@code insertMany}, unordered for speed). */
    void insert(String queue, List<byte[]> items, double priority) {
        if (items.isEmpty()) {
            return;
        }
        List<Document> docs = new ArrayList<>(items.size());
        for (byte[] item : items) {
            // Client-side ObjectIds increase within this process, which gives insertion order for ties.
            docs.add(new Document(MongoLayout.ID, new ObjectId())
                    .append(MongoLayout.QUEUE_NAME, queue)
                    .append(MongoLayout.PRIORITY, priority)
                    .append(MongoLayout.VALUE, new Binary(item)));
        }
        tasks().insertMany(docs, new InsertManyOptions().ordered(false));
    }

    /** Pops up to {@code max} tasks; see the class comment. */
    List<Delivery> pop(String queue, int max, DeliveryOptions options) {
        List<Delivery> out = new ArrayList<>();
        for (int round = 0; out.size() < max && round < MAX_ROUNDS; round++) {
            int want = max - out.size();
            boolean more = want <= SINGLE_DOCUMENT_POPS ? popOne(queue, options, out) : popBatch(queue, want, options, out);
            if (!more) {
                break;
            }
        }
        return out;
    }

    /** Pops one task in one round trip; false when nothing is deliverable. */
    private boolean popOne(String queue, DeliveryOptions options, List<Delivery> out) {
        double now = seconds(clock);
        if (!options.leased()) {
            Document doc = tasks().findOneAndDelete(due(queue, now),
                    new FindOneAndDeleteOptions().sort(ORDER)
                            .projection(Projections.include(MongoLayout.VALUE)));
            if (doc == null) {
                return false;
            }
            if (oversized(doc)) {
                buryDeleted(queue, List.of(doc));
            } else {
                out.add(new Delivery(value(doc), null));
            }
            return true;
        }
        String batch = newToken();
        double deadline = now + seconds(options.lease());
        Document doc = tasks().findOneAndUpdate(due(queue, now), claim(batch, deadline, true),
                new FindOneAndUpdateOptions().sort(ORDER).returnDocument(ReturnDocument.AFTER)
                        .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES)));
        if (doc == null) {
            return false;
        }
        acceptLeased(queue, List.of(doc), batch, options, out);
        return true;
    }

    /** Pops a batch: select ids, claim them in one update, read them back; false when nothing is deliverable. */
    private boolean popBatch(String queue, int want, DeliveryOptions options, List<Delivery> out) {
        double now = seconds(clock);
        List<ObjectId> ids = new ArrayList<>(want);
        for (Document doc : tasks().find(due(queue, now)).sort(ORDER)
                .projection(Projections.include(MongoLayout.ID)).limit(want)) {
            ids.add(doc.getObjectId(MongoLayout.ID));
        }
        if (ids.isEmpty()) {
            return false;
        }
        String batch = newToken();
        double deadline = now + (options.leased() ? seconds(options.lease()) : CLAIM_HOLD_SECONDS);
        UpdateResult claimed = tasks().updateMany(
                Filters.and(Filters.in(MongoLayout.ID, ids), Filters.lte(MongoLayout.PRIORITY, now)),
                claim(batch, deadline, true));
        if (claimed.getMatchedCount() == 0) {
            return true; // other consumers were faster; look again
        }
        // Read back by token on the (queue_name, sergeant_deadline) index rather than by a second $in.
        Bson mine = Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.eq(MongoLayout.DEADLINE, deadline),
                Filters.eq(MongoLayout.LEASE, batch));
        Map<ObjectId, Document> byId = new HashMap<>();
        for (Document doc : tasks().find(mine)
                .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES))) {
            byId.put(doc.getObjectId(MongoLayout.ID), doc);
        }
        List<Document> inOrder = new ArrayList<>(byId.size());
        for (ObjectId id : ids) {
            Document doc = byId.get(id);
            if (doc != null) {
                inOrder.add(doc);
            }
        }
        if (options.leased()) {
            acceptLeased(queue, inOrder, batch, options, out);
            return true;
        }
        // Only this batch's token matches; a claim is never taken over within its hold of a minute.
        List<Document> tooLarge = new ArrayList<>();
        for (Document doc : inOrder) {
            if (oversized(doc)) {
                tooLarge.add(doc);
            }
        }
        if (!tooLarge.isEmpty()) {
            buryDeleted(queue, tooLarge); // stored before the delete: a crash in between loses nothing
        }
        tasks().deleteMany(mine);
        for (Document doc : inOrder) {
            if (!oversized(doc)) {
                out.add(new Delivery(value(doc), null));
            }
        }
        return true;
    }

    /** Hands out claimed tasks, dead-lettering those whose delivery count passed {@code maxDeliveries}. */
    private void acceptLeased(String queue, List<Document> claimed, String batch, DeliveryOptions options,
                              List<Delivery> out) {
        List<Document> tooMany = new ArrayList<>();
        List<Document> letters = new ArrayList<>();
        for (Document doc : claimed) {
            int deliveries = Math.max(1, DeadLetterStore.number(doc, MongoLayout.DELIVERIES));
            if (oversized(doc)) {
                letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue,
                        doc.get(MongoLayout.VALUE, Binary.class), oversizedReason(doc), deliveries, seconds(clock)));
                continue;
            }
            if (deliveries > options.maxDeliveries()) {
                tooMany.add(doc);
                continue;
            }
            ObjectId id = doc.getObjectId(MongoLayout.ID);
            out.add(new Delivery(value(doc), LeaseRef.receipt(node.index(), id, batch, deliveries)));
        }
        if (!tooMany.isEmpty() || !letters.isEmpty()) {
            double now = seconds(clock);
            for (Document doc : tooMany) {
                int delivered = DeadLetterStore.number(doc, MongoLayout.DELIVERIES) - 1;
                letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue,
                        doc.get(MongoLayout.VALUE, Binary.class),
                        "delivered " + delivered + " times without an ack; maxDeliveries is " + options.maxDeliveries(),
                        delivered, now));
            }
            moveToDeadLetters(letters, batch);
        }
    }

    /**
     * Stores dead letters for tasks this caller holds under {@code batch}, then deletes the tasks.
     * Returns how many tasks were moved. The dead letters keep the tasks' ids, so a repeat after a
     * crash in between is harmless.
     */
    private int moveToDeadLetters(List<Document> letters, String batch) {
        deadLetters.insertAll(letters);
        List<Object> ids = new ArrayList<>(letters.size());
        for (Document letter : letters) {
            ids.add(letter.get(MongoLayout.ID));
        }
        return (int) tasks().deleteMany(Filters.and(Filters.in(MongoLayout.ID, ids),
                Filters.eq(MongoLayout.LEASE, batch))).getDeletedCount();
    }

    /** Acks: deletes the tasks whose lease the receipts still hold. Adds refused receipts to {@code refused}. */
    int ack(String queue, List<LeaseRef> refs, List<Receipt> refused) {
        List<LeaseRef> valid = holding(queue, refs, refused);
        if (valid.isEmpty()) {
            return 0;
        }
        long deleted = tasks().deleteMany(held(queue, valid)).getDeletedCount();
        if (deleted == valid.size()) {
            return valid.size();
        }
        // A lease expired and was taken over between the check and the delete: those tasks are still there.
        Map<ObjectId, String> leases = leases(queue, valid);
        int settled = 0;
        for (LeaseRef ref : valid) {
            if (leases.containsKey(ref.id())) {
                refused.add(ref.receipt());
            } else {
                settled++;
            }
        }
        return settled;
    }

    /**
     * Settle-and-pop on this node: one find for the candidates, then one ordered bulk write that deletes
     * the acked tasks (matched by id and lease token) and claims the candidates, then one find reading the
     * claimed tasks back; without the ack's separate check of the receipts first. Acked receipts whose
     * tasks are still there under another token are refused; when some receipts of the call were already
     * settled before it and others are settled by it, the count cannot tell them apart and all missing
     * ones count as settled (a worker acks each receipt once, so only a retried call meets this). Adds
     * refused receipts to {@code refused}; returns how many acks settled.
     */
    int ackAndPop(String queue, List<LeaseRef> refs, List<Receipt> refused, int max, DeliveryOptions options,
                  List<Delivery> out) {
        double now = seconds(clock);
        List<ObjectId> ids = new ArrayList<>(max);
        if (max > 0) {
            for (Document doc : tasks().find(due(queue, now)).sort(ORDER)
                    .projection(Projections.include(MongoLayout.ID)).limit(max)) {
                ids.add(doc.getObjectId(MongoLayout.ID));
            }
        }
        String batch = newToken();
        double deadline = now + seconds(options.lease());
        List<com.mongodb.client.model.WriteModel<Document>> writes = new ArrayList<>(2);
        if (!refs.isEmpty()) {
            writes.add(new com.mongodb.client.model.DeleteManyModel<>(held(queue, refs)));
        }
        if (!ids.isEmpty()) {
            writes.add(new com.mongodb.client.model.UpdateManyModel<>(
                    Filters.and(Filters.in(MongoLayout.ID, ids), Filters.lte(MongoLayout.PRIORITY, now)),
                    claim(batch, deadline, true)));
        }
        int settled = 0;
        long claimed = 0;
        if (!writes.isEmpty()) {
            com.mongodb.bulk.BulkWriteResult result = tasks().bulkWrite(writes,
                    new com.mongodb.client.model.BulkWriteOptions().ordered(true));
            claimed = result.getMatchedCount();
            int deleted = result.getDeletedCount();
            settled = deleted;
            if (deleted < refs.size()) {
                settled = settledOf(queue, refs, deleted, refused);
            }
        }
        if (claimed > 0) {
            Bson mine = Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.eq(MongoLayout.DEADLINE, deadline),
                    Filters.eq(MongoLayout.LEASE, batch));
            Map<ObjectId, Document> byId = new HashMap<>();
            for (Document doc : tasks().find(mine).projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES))) {
                byId.put(doc.getObjectId(MongoLayout.ID), doc);
            }
            List<Document> inOrder = new ArrayList<>(byId.size());
            for (ObjectId id : ids) {
                Document doc = byId.get(id);
                if (doc != null) {
                    inOrder.add(doc);
                }
            }
            acceptLeased(queue, inOrder, batch, options, out);
        }
        if (claimed < ids.size() && out.size() < max) {
            out.addAll(pop(queue, max - out.size(), options)); // other consumers took candidates: look again
        }
        return settled;
    }

    /** After a delete that removed fewer tasks than receipts: refuses those still there; returns the settled count. */
    private int settledOf(String queue, List<LeaseRef> refs, int deleted, List<Receipt> refused) {
        if (deleted == 0) {
            refs.forEach(ref -> refused.add(ref.receipt()));
            return 0;
        }
        Map<ObjectId, String> left = leases(queue, refs);
        int settled = 0;
        for (LeaseRef ref : refs) {
            if (left.containsKey(ref.id())) {
                refused.add(ref.receipt());
            } else {
                settled++;
            }
        }
        return settled;
    }

    /** Extends leases to now plus {@code lease}; adds refused receipts to {@code refused}. */
    int extend(String queue, List<LeaseRef> refs, Duration lease, List<Receipt> refused) {
        double deadline = seconds(clock) + seconds(lease);
        UpdateResult result = tasks().updateMany(held(queue, refs), Updates.combine(
                Updates.set(MongoLayout.PRIORITY, deadline), Updates.set(MongoLayout.DEADLINE, deadline)));
        if (result.getMatchedCount() == refs.size()) {
            return refs.size();
        }
        Map<ObjectId, String> leases = leases(queue, refs);
        int settled = 0;
        for (LeaseRef ref : refs) {
            if (ref.batch().equals(leases.get(ref.id()))) {
                settled++;
            } else {
                refused.add(ref.receipt());
            }
        }
        return settled;
    }

    /**
     * Hands leased tasks back at the head of the queue (priority 0.0), keeping their delivery count, or
     * (when {@code counted} is false, a graceful hand-back) taking this delivery off the count again.
     */
    int release(String queue, List<LeaseRef> refs, List<Receipt> refused, boolean counted) {
        List<LeaseRef> valid = holding(queue, refs, refused);
        if (valid.isEmpty()) {
            return 0;
        }
        Bson update = counted ? unlease() : Updates.combine(unlease(), Updates.inc(MongoLayout.DELIVERIES, -1));
        long released = tasks().updateMany(held(queue, valid), update).getMatchedCount();
        if (released == valid.size()) {
            return valid.size();
        }
        // Some lease expired and was taken over (or the task settled) between the check and the update.
        Map<ObjectId, String> leases = leases(queue, valid);
        int settled = 0;
        for (LeaseRef ref : valid) {
            if (leases.containsKey(ref.id()) && leases.get(ref.id()) == null) {
                settled++;
            } else {
                refused.add(ref.receipt());
            }
        }
        return settled;
    }

    /**
     * Dead-letters one leased task if {@code ref} still holds it: store the dead letter (with the
     * task's id), delete the task, and undo the store if the lease was lost in between.
     */
    boolean deadLetterLeased(String queue, LeaseRef ref, String reason) {
        Document doc = tasks().find(Filters.and(Filters.eq(MongoLayout.ID, ref.id()),
                        Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.eq(MongoLayout.LEASE, ref.batch())))
                .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES)).first();
        if (doc == null) {
            return false;
        }
        boolean stored = deadLetters.insert(DeadLetterStore.document(ref.id(), queue,
                doc.get(MongoLayout.VALUE, Binary.class), reason,
                Math.max(1, DeadLetterStore.number(doc, MongoLayout.DELIVERIES)), seconds(clock)));
        long deleted = tasks().deleteOne(Filters.and(Filters.eq(MongoLayout.ID, ref.id()),
                Filters.eq(MongoLayout.LEASE, ref.batch()))).getDeletedCount();
        if (deleted == 0 && stored) {
            deadLetters.delete(ref.id());
        }
        return deleted == 1;
    }

    /**
     * Expired leases: those that used up {@code maxDeliveries} are claimed by this reaper and moved to
     * the dead letters; the others go back to the head of the queue (priority 0.0) with their count.
     * Every step is a conditional update, so concurrent reapers never move a task twice.
     */
    ReapResult reap(String queue, int maxDeliveries) {
        double now = seconds(clock);
        String batch = newToken();
        double hold = now + CLAIM_HOLD_SECONDS;
        Bson expired = Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.lt(MongoLayout.DEADLINE, now));
        int dead = 0;
        UpdateResult spent = tasks().updateMany(
                Filters.and(expired, Filters.gte(MongoLayout.DELIVERIES, maxDeliveries)), claim(batch, hold, false));
        if (spent.getMatchedCount() > 0) {
            List<Document> letters = new ArrayList<>();
            for (Document doc : tasks().find(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                            Filters.eq(MongoLayout.DEADLINE, hold), Filters.eq(MongoLayout.LEASE, batch)))
                    .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES))) {
                int delivered = DeadLetterStore.number(doc, MongoLayout.DELIVERIES);
                letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue,
                        doc.get(MongoLayout.VALUE, Binary.class),
                        "lease expired after " + delivered + " deliveries; maxDeliveries is " + maxDeliveries,
                        delivered, now));
            }
            if (!letters.isEmpty()) {
                dead = moveToDeadLetters(letters, batch);
            }
        }
        long redelivered = tasks().updateMany(
                Filters.and(expired, Filters.lt(MongoLayout.DELIVERIES, maxDeliveries)), unlease()).getModifiedCount();
        return dead == 0 && redelivered == 0 ? ReapResult.NONE : new ReapResult((int) redelivered, dead);
    }

    /** Deliverable tasks ({@code priority <= now}); with {@code includeDelayed}, also those not yet due. */
    long length(String queue, boolean includeDelayed) {
        double now = seconds(clock);
        if (!includeDelayed) {
            return tasks().countDocuments(due(queue, now));
        }
        long all = tasks().countDocuments(Filters.eq(MongoLayout.QUEUE_NAME, queue));
        return Math.max(0, all - inFlight(queue, now));
    }

    /** Ready, delayed and in-flight counts (dead letters are counted by the caller). */
    QueueStats stats(String queue, long deadLetterCount) {
        double now = seconds(clock);
        long ready = tasks().countDocuments(due(queue, now));
        long inFlight = inFlight(queue, now);
        long all = tasks().countDocuments(Filters.eq(MongoLayout.QUEUE_NAME, queue));
        return new QueueStats(ready, Math.max(0, all - ready - inFlight), inFlight, deadLetterCount);
    }

    /** Deletes every task of the queue that is not in flight; true if anything was deleted. */
    boolean purge(String queue) {
        double now = seconds(clock);
        return tasks().deleteMany(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.or(
                Filters.exists(MongoLayout.LEASE, false), Filters.lte(MongoLayout.DEADLINE, now))))
                .getDeletedCount() > 0;
    }

    private long inFlight(String queue, double now) {
        return tasks().countDocuments(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                Filters.gt(MongoLayout.DEADLINE, now)));
    }

    /** The receipts whose lease is still current; the others are added to {@code refused}. */
    private List<LeaseRef> holding(String queue, List<LeaseRef> refs, List<Receipt> refused) {
        Map<ObjectId, String> leases = leases(queue, refs);
        List<LeaseRef> valid = new ArrayList<>(refs.size());
        for (LeaseRef ref : refs) {
            if (ref.batch().equals(leases.get(ref.id()))) {
                valid.add(ref);
            } else {
                refused.add(ref.receipt());
            }
        }
        return valid;
    }

    /** The current lease token of each of these tasks that still exists (null value when unleased). */
    private Map<ObjectId, String> leases(String queue, List<LeaseRef> refs) {
        List<ObjectId> ids = new ArrayList<>(refs.size());
        for (LeaseRef ref : refs) {
            ids.add(ref.id());
        }
        Map<ObjectId, String> leases = new HashMap<>();
        for (Document doc : tasks().find(Filters.and(Filters.in(MongoLayout.ID, ids),
                Filters.eq(MongoLayout.QUEUE_NAME, queue))).projection(LEASE_FIELDS)) {
            leases.put(doc.getObjectId(MongoLayout.ID), doc.getString(MongoLayout.LEASE));
        }
        return leases;
    }

    /** Matches exactly the tasks these receipts hold: {@code $or} of (ids, token) per batch token. */
    private static Bson held(String queue, List<LeaseRef> refs) {
        Map<String, List<ObjectId>> byBatch = new LinkedHashMap<>();
        for (LeaseRef ref : refs) {
            byBatch.computeIfAbsent(ref.batch(), b -> new ArrayList<>()).add(ref.id());
        }
        List<Bson> branches = new ArrayList<>(byBatch.size());
        for (Map.Entry<String, List<ObjectId>> entry : byBatch.entrySet()) {
            branches.add(Filters.and(Filters.in(MongoLayout.ID, entry.getValue()),
                    Filters.eq(MongoLayout.LEASE, entry.getKey())));
        }
        Bson owned = branches.size() == 1 ? branches.get(0) : Filters.or(branches);
        return Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), owned);
    }

    /** Python's pop filter: {@code {queue_name, priority <= now}}. */
    private static Bson due(String queue, double now) {
        return Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.lte(MongoLayout.PRIORITY, now));
    }

    private static Bson claim(String batch, double deadline, boolean countDelivery) {
        Bson lease = Updates.combine(Updates.set(MongoLayout.PRIORITY, deadline),
                Updates.set(MongoLayout.DEADLINE, deadline), Updates.set(MongoLayout.LEASE, batch));
        return countDelivery ? Updates.combine(lease, Updates.inc(MongoLayout.DELIVERIES, 1)) : lease;
    }

    private static Bson unlease() {
        return Updates.combine(Updates.set(MongoLayout.PRIORITY, MongoLayout.HIGH),
                Updates.unset(MongoLayout.LEASE), Updates.unset(MongoLayout.DEADLINE));
    }

    private static byte[] value(Document doc) {
        return doc.get(MongoLayout.VALUE, Binary.class).getData();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    private static String newToken() {
        return UUID.randomUUID().toString();
    }

    private MongoCollection<Document> tasks() {
        return node.tasks();
    }
}
