package io.sergeant.backend.mongo;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The filters, updates and field reads that the task stores share over {@code task_queue}: what
 * "due", "held by these receipts", "claimed" and "unleased" mean in Python Sergeant's layout plus
 * the Java lease fields ({@link MongoLayout}). Static functions only.
 */
final class TaskDocuments {

    /** Python's pop order: priority, then insertion ({@code _id}). */
    static final Bson ORDER = Sorts.ascending(MongoLayout.PRIORITY, MongoLayout.ID);

    private TaskDocuments() {
    }

    /** The current time in epoch seconds, as Python's {@code time.time()}. */
    static double seconds(Clock clock) {
        return clock.millis() / 1000.0;
    }

    static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    /** A fresh lease or claim token. */
    static String newToken() {
        return UUID.randomUUID().toString();
    }

    /** Python's pop filter: {@code {queue_name, priority <= now}}. */
    static Bson due(String queue, double now) {
        return Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.lte(MongoLayout.PRIORITY, now));
    }

    /** The tasks one claim took: its token and deadline (served by the (queue_name, sergeant_deadline) index). */
    static Bson claimedBy(String queue, String batch, double deadline) {
        return Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue), Filters.eq(MongoLayout.DEADLINE, deadline),
                Filters.eq(MongoLayout.LEASE, batch));
    }

    /** Matches exactly the tasks these receipts hold: {@code $or} of (ids, token) per batch token. */
    static Bson held(String queue, List<LeaseRef> refs) {
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

    /** A task whose delivery count is {@code count} (a missing field counts as 0, as Python's tasks have none). */
    static Bson deliveriesAre(int count) {
        return count == 0
                ? Filters.or(Filters.exists(MongoLayout.DELIVERIES, false), Filters.eq(MongoLayout.DELIVERIES, 0))
                : Filters.eq(MongoLayout.DELIVERIES, count);
    }

    /** Leases a task to {@code batch} until {@code deadline}, which is also its priority (see {@link TaskStore}). */
    static Bson claim(String batch, double deadline, boolean countDelivery) {
        Bson lease = Updates.combine(Updates.set(MongoLayout.PRIORITY, deadline),
                Updates.set(MongoLayout.DEADLINE, deadline), Updates.set(MongoLayout.LEASE, batch));
        return countDelivery ? Updates.combine(lease, Updates.inc(MongoLayout.DELIVERIES, 1)) : lease;
    }

    /** Back at the head of the queue (priority 0.0), without a lease. */
    static Bson unlease() {
        return Updates.combine(Updates.set(MongoLayout.PRIORITY, MongoLayout.HIGH),
                Updates.unset(MongoLayout.LEASE), Updates.unset(MongoLayout.DEADLINE));
    }

    static byte[] value(Document doc) {
        return doc.get(MongoLayout.VALUE, Binary.class).getData();
    }

    /** A numeric field as an int, 0 when missing. */
    static int number(Document doc, String field) {
        Number value = doc.get(field, Number.class);
        return value == null ? 0 : value.intValue();
    }
}
