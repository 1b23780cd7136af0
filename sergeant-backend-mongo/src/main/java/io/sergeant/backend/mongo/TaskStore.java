package io.sergeant.backend.mongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndDeleteOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import io.sergeant.api.QueueStats;
import io.sergeant.spi.backend.Delivery;
import io.sergeant.spi.backend.DeliveryOptions;
import io.sergeant.spi.backend.Receipt;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The queues of one node, in Python Sergeant's {@code task_queue} collection, without
 * multi-document transactions (so a standalone server works).
 *
 * <p><b>The lease is the priority.</b> A task is deliverable when {@code priority <= now}, exactly
 * Python's pop filter. Claiming a task sets its {@code priority} (and {@code sergeant_deadline}) to
 * the lease deadline and {@code sergeant_lease} to the batch's token, in one bulk write per batch
 * ({@link TaskClaims}: conditional updates on the selected ids, guarded by {@code priority <= now} and
 * the delivery count read). MongoDB applies an update atomically per document and re-checks the
 * filter, so of two consumers racing for a task exactly one claims it; the other simply claims fewer
 * and looks again. Because a leased task's priority is in the future, Python consumers sharing the
 * collection do not take in-flight tasks either; an expired lease becomes deliverable again by
 * itself, for Python and Java alike, and {@link LeaseStore#reap} puts it back at the head of the
 * queue (priority 0.0) or dead-letters it.
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

    private static final System.Logger LOG = System.getLogger(TaskStore.class.getName());

    /** How long an at-most-once claim hides a task before it is deleted (seconds). */
    static final double CLAIM_HOLD_SECONDS = 60;
    /** Batches of up to this many tasks are popped one document at a time (one round trip each). */
    private static final int SINGLE_DOCUMENT_POPS = 2;
    /** How many times a pop looks again when other consumers took its candidates first. */
    private static final int MAX_ROUNDS = 16;

    private final MongoNode node;
    private final Clock clock;
    private final TaskClaims claims;
    private final LeaseStore leases;

    TaskStore(MongoNode node, Clock clock, TaskClaims claims, LeaseStore leases) {
        this.node = node;
        this.clock = clock;
        this.claims = claims;
        this.leases = leases;
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

    /**
     * Pops up to {@code max} tasks into {@code out}; see the class comment. A pop may take several round
     * trips; each adds what it took to {@code out} before the next is sent, so when one throws (the node
     * went down mid-pop) what the earlier ones took is already in {@code out}: the caller hands it out
     * instead of dropping it (at-most-once has deleted it, at-least-once has counted a delivery).
     */
    void pop(String queue, int max, DeliveryOptions options, List<Delivery> out) {
        int goal = out.size() + max;
        for (int round = 0; out.size() < goal && round < MAX_ROUNDS; round++) {
            int want = goal - out.size();
            boolean more = want <= SINGLE_DOCUMENT_POPS ? popOne(queue, options, out) : popBatch(queue, want, options, out);
            if (!more) {
                break;
            }
        }
    }

    /**
     * Settle-and-pop on this node: one find reads the candidates, then one ordered bulk write deletes the
     * acked tasks (matched by id and lease token) and claims the candidates ({@link TaskClaims}); without
     * the ack's separate check of the receipts first. Acked receipts whose tasks are still there under
     * another token are refused; when some receipts of the call were already settled before it and others
     * are settled by it, the count cannot tell them apart and all missing ones count as settled (a worker
     * acks each receipt once, so only a retried call meets this). Adds refused receipts to
     * {@code refused} and deliveries to {@code out}; returns how many acks settled.
     */
    int ackAndPop(String queue, List<LeaseRef> refs, List<Receipt> refused, int max, DeliveryOptions options,
                  List<Delivery> out) {
        double now = TaskDocuments.seconds(clock);
        List<Document> candidates = claims.candidates(queue, now, max);
        TaskClaims.Batch batch = new TaskClaims.Batch(TaskDocuments.newToken(), now + TaskDocuments.seconds(options.lease()));
        TaskClaims.Written written = claims.write(queue, refs, candidates, now, batch);
        int settled = leases.settled(queue, refs, written.acked(), LeaseStore.Settled.GONE, refused);
        claims.handOut(queue, written.claimed(), batch, options, out);
        if (written.claimed().size() < candidates.size() && out.size() < max) {
            try {
                pop(queue, max - out.size(), options, out); // other consumers took candidates: look again
            } catch (RuntimeException e) {
                if (out.isEmpty()) {
                    throw e;
                }
                // The acks and claims above stand: hand out what was claimed rather than drop it.
                LOG.log(System.Logger.Level.WARNING, "settle-and-pop on queue ''{0}'': looking again failed ({1});"
                        + " delivering the {2} task(s) already claimed", queue, e.getMessage(), out.size());
            }
        }
        return settled;
    }

    /** Pops one task in one round trip; false when nothing is deliverable. */
    private boolean popOne(String queue, DeliveryOptions options, List<Delivery> out) {
        double now = TaskDocuments.seconds(clock);
        if (!options.leased()) {
            Document doc = tasks().findOneAndDelete(TaskDocuments.due(queue, now),
                    new FindOneAndDeleteOptions().sort(TaskDocuments.ORDER)
                            .projection(Projections.include(MongoLayout.VALUE)));
            if (doc == null) {
                return false;
            }
            if (claims.oversized(doc)) {
                claims.buryDeleted(queue, List.of(doc));
            } else {
                out.add(new Delivery(TaskDocuments.value(doc), null));
            }
            return true;
        }
        String batch = TaskDocuments.newToken();
        double deadline = now + TaskDocuments.seconds(options.lease());
        Document doc = tasks().findOneAndUpdate(TaskDocuments.due(queue, now), TaskDocuments.claim(batch, deadline, true),
                new FindOneAndUpdateOptions().sort(TaskDocuments.ORDER).returnDocument(ReturnDocument.AFTER)
                        .projection(Projections.include(MongoLayout.VALUE, MongoLayout.DELIVERIES)));
        if (doc == null) {
            return false;
        }
        claims.handOutLeased(queue, List.of(doc), batch, options, out);
        return true;
    }

    /** Pops a batch: one find, one claiming bulk write ({@link TaskClaims}); false when nothing is deliverable. */
    private boolean popBatch(String queue, int want, DeliveryOptions options, List<Delivery> out) {
        double now = TaskDocuments.seconds(clock);
        List<Document> candidates = claims.candidates(queue, now, want);
        if (candidates.isEmpty()) {
            return false;
        }
        double hold = options.leased() ? TaskDocuments.seconds(options.lease()) : CLAIM_HOLD_SECONDS;
        TaskClaims.Batch batch = new TaskClaims.Batch(TaskDocuments.newToken(), now + hold);
        // Nothing claimed means other consumers were faster: the caller looks again.
        claims.handOut(queue, claims.write(queue, List.of(), candidates, now, batch).claimed(), batch, options, out);
        return true;
    }

    /** Deliverable tasks ({@code priority <= now}); with {@code includeDelayed}, also those not yet due. */
    long length(String queue, boolean includeDelayed) {
        double now = TaskDocuments.seconds(clock);
        if (!includeDelayed) {
            return tasks().countDocuments(TaskDocuments.due(queue, now));
        }
        long all = tasks().countDocuments(Filters.eq(MongoLayout.QUEUE_NAME, queue));
        return Math.max(0, all - inFlight(queue, now));
    }

    /** Ready, delayed and in-flight counts (dead letters are counted by the caller). */
    QueueStats stats(String queue, long deadLetterCount) {
        double now = TaskDocuments.seconds(clock);
        long ready = tasks().countDocuments(TaskDocuments.due(queue, now));
        long inFlight = inFlight(queue, now);
        long all = tasks().countDocuments(Filters.eq(MongoLayout.QUEUE_NAME, queue));
        return new QueueStats(ready, Math.max(0, all - ready - inFlight), inFlight, deadLetterCount);
    }

    /** Deletes every task of the queue that is not in flight; true if anything was deleted. */
    boolean purge(String queue) {
        double now = TaskDocuments.seconds(clock);
        return tasks().deleteMany(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.or(
                Filters.exists(MongoLayout.LEASE, false), Filters.lte(MongoLayout.DEADLINE, now))))
                .getDeletedCount() > 0;
    }

    private long inFlight(String queue, double now) {
        return tasks().countDocuments(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                Filters.gt(MongoLayout.DEADLINE, now)));
    }

    private MongoCollection<Document> tasks() {
        return node.tasks();
    }
}
