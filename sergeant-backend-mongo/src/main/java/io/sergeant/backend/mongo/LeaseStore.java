package io.sergeant.backend.mongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
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
import java.util.List;
import java.util.Map;

/**
 * The leases of one node's tasks: ack, extend, release and hand back, dead-lettering a leased task,
 * and reaping expired leases (see {@link TaskStore} for how a lease is stored). Each settle is one
 * write matching exactly the (id, token) pairs of its receipts; when it matched fewer than all, one
 * find tells which receipts settled ({@link #settled}). Thread safe; driver exceptions propagate
 * untranslated (the caller translates).
 */
final class LeaseStore {

    /** How long a reaper holds a spent task while moving it to the dead letters (seconds). */
    private static final double REAP_HOLD_SECONDS = TaskStore.CLAIM_HOLD_SECONDS;

    private final MongoNode node;
    private final Clock clock;
    private final DeadLetterStore deadLetters;

    /** What a receipt's task looks like once the settle took effect. */
    enum Settled {
        /** Acked: the task is gone. */
        GONE,
        /** Extended: the task is still held by the receipt's token. */
        HELD,
        /** Released or handed back: the task is there without a lease. */
        UNLEASED
    }

    LeaseStore(MongoNode node, Clock clock, DeadLetterStore deadLetters) {
        this.node = node;
        this.clock = clock;
        this.deadLetters = deadLetters;
    }

    /** Acks: deletes the tasks whose lease the receipts still hold. Adds refused receipts to {@code refused}. */
    int ack(String queue, List<LeaseRef> refs, List<Receipt> refused) {
        List<LeaseRef> valid = holding(queue, refs, refused);
        if (valid.isEmpty()) {
            return 0;
        }
        long deleted = tasks().deleteMany(TaskDocuments.held(queue, valid)).getDeletedCount();
        return settled(queue, valid, deleted, Settled.GONE, refused);
    }

    /** Extends leases to now plus {@code lease}; adds refused receipts to {@code refused}. */
    int extend(String queue, List<LeaseRef> refs, Duration lease, List<Receipt> refused) {
        double deadline = TaskDocuments.seconds(clock) + TaskDocuments.seconds(lease);
        long matched = tasks().updateMany(TaskDocuments.held(queue, refs), Updates.combine(
                Updates.set(MongoLayout.PRIORITY, deadline), Updates.set(MongoLayout.DEADLINE, deadline))).getMatchedCount();
        return settled(queue, refs, matched, Settled.HELD, refused);
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
        Bson update = counted ? TaskDocuments.unlease()
                : Updates.combine(TaskDocuments.unlease(), Updates.inc(MongoLayout.DELIVERIES, -1));
        long released = tasks().updateMany(TaskDocuments.held(queue, valid), update).getMatchedCount();
        return settled(queue, valid, released, Settled.UNLEASED, refused);
    }

    /**
     * How many of {@code refs} a write that matched {@code matched} of their tasks settled: all when it
     * matched all, none when it matched none; otherwise a lease expired and was taken over (or the task
     * settled otherwise) between a check and the write, and one find tells which tasks now look as
     * {@code settled} says they should. Adds the others to {@code refused}. When some receipts of a call
     * were settled before it and others by it, a count cannot tell them apart: those that look settled
     * count as settled.
     */
    int settled(String queue, List<LeaseRef> refs, long matched, Settled settled, List<Receipt> refused) {
        if (matched == refs.size()) {
            return refs.size();
        }
        if (matched == 0) {
            refs.forEach(ref -> refused.add(ref.receipt()));
            return 0;
        }
        Map<ObjectId, String> leases = leases(queue, refs);
        int count = 0;
        for (LeaseRef ref : refs) {
            boolean done = switch (settled) {
                case GONE -> !leases.containsKey(ref.id());
                case HELD -> ref.batch().equals(leases.get(ref.id()));
                case UNLEASED -> leases.containsKey(ref.id()) && leases.get(ref.id()) == null;
            };
            if (done) {
                count++;
            } else {
                refused.add(ref.receipt());
            }
        }
        return count;
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
                Math.max(1, TaskDocuments.number(doc, MongoLayout.DELIVERIES)), TaskDocuments.seconds(clock)));
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
        double now = TaskDocuments.seconds(clock);
        String batch = TaskDocuments.newToken();
        double hold = now + REAP_HOLD_SECONDS;
        Bson expired = Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.lt(MongoLayout.DEADLINE, now));
        int dead = 0;
        long spent = tasks().updateMany(Filters.and(expired, Filters.gte(MongoLayout.DELIVERIES, maxDeliveries)),
                TaskDocuments.claim(batch, hold, false)).getMatchedCount();
        if (spent > 0) {
            List<Document> letters = new ArrayList<>();
            for (Document doc : tasks().find(TaskDocuments.claimedBy(queue, batch, hold))
                    .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES))) {
                int delivered = TaskDocuments.number(doc, MongoLayout.DELIVERIES);
                letters.add(DeadLetterStore.document(doc.getObjectId(MongoLayout.ID), queue,
                        doc.get(MongoLayout.VALUE, Binary.class),
                        "lease expired after " + delivered + " deliveries; maxDeliveries is " + maxDeliveries,
                        delivered, now));
            }
            if (!letters.isEmpty()) {
                dead = deadLetters.moveHeld(letters, batch);
            }
        }
        long redelivered = tasks().updateMany(Filters.and(expired, Filters.lt(MongoLayout.DELIVERIES, maxDeliveries)),
                TaskDocuments.unlease()).getModifiedCount();
        return dead == 0 && redelivered == 0 ? ReapResult.NONE : new ReapResult((int) redelivered, dead);
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
                Filters.eq(MongoLayout.QUEUE_NAME, queue))).projection(Projections.include(MongoLayout.LEASE))) {
            leases.put(doc.getObjectId(MongoLayout.ID), doc.getString(MongoLayout.LEASE));
        }
        return leases;
    }

    private MongoCollection<Document> tasks() {
        return node.tasks();
    }
}
