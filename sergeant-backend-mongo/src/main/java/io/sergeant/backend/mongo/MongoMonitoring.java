package io.sergeant.backend.mongo;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.sergeant.api.Priority;
import io.sergeant.spi.backend.BackendMonitoring;
import io.sergeant.spi.backend.QueuedItem;
import org.bson.Document;
import org.bson.types.Binary;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The monitoring role. Queue listing is the distinct {@code queue_name} of {@code task_queue} (Python
 * Sergeant's collection, so Python producers' queues are listed) and of the dead letters, on every
 * node. The worker registry is the Java-only collection {@code sergeant_workers}
 * ({@code {_id: worker id, record: binary, expires_at: date}}) on the first node, with a TTL index on
 * {@code expires_at} as a safety net; reads filter on {@code expires_at} by this backend's clock, and
 * every heartbeat deletes expired records. Thread safe.
 */
final class MongoMonitoring implements BackendMonitoring {

    private final List<MongoNode> nodes;
    private final Clock clock;

    MongoMonitoring(List<MongoNode> nodes, Clock clock) {
        this.nodes = List.copyOf(nodes);
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    @Override
    public List<String> queues() {
        Set<String> names = new TreeSet<>();
        for (MongoNode node : nodes) {
            node.call("list queues", () -> {
                node.tasks().distinct(MongoLayout.QUEUE_NAME, String.class).into(names);
                node.deadLetters().distinct(MongoLayout.QUEUE_NAME, String.class).into(names);
                return null;
            });
        }
        return List.copyOf(names);
    }

    @Override
    public void heartbeat(String workerId, byte[] record, Duration ttl) {
        Objects.requireNonNull(workerId, "workerId is null");
        Objects.requireNonNull(record, "record is null");
        Objects.requireNonNull(ttl, "ttl is null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a heartbeat TTL must be positive: " + ttl);
        }
        MongoNode registry = registry();
        long now = clock.millis();
        registry.call("heartbeat", () -> {
            registry.workers().deleteMany(Filters.lte(MongoLayout.EXPIRES_AT, new Date(now)));
            Document doc = new Document(MongoLayout.ID, workerId)
                    .append(MongoLayout.RECORD, new Binary(record))
                    .append(MongoLayout.EXPIRES_AT, new Date(now + Math.max(1, ttl.toMillis())));
            return registry.workers().replaceOne(Filters.eq(MongoLayout.ID, workerId), doc, new ReplaceOptions().upsert(true));
        });
    }

    @Override
    public boolean deregister(String workerId) {
        Objects.requireNonNull(workerId, "workerId is null");
        MongoNode registry = registry();
        Document deleted = registry.call("deregister",
                () -> registry.workers().findOneAndDelete(Filters.eq(MongoLayout.ID, workerId)));
        return deleted != null && deleted.getDate(MongoLayout.EXPIRES_AT).getTime() > clock.millis();
    }

    @Override
    public List<byte[]> workers() {
        MongoNode registry = registry();
        Date now = new Date(clock.millis());
        return registry.call("list workers", () -> {
            List<byte[]> records = new ArrayList<>();
            for (Document doc : registry.workers().find(Filters.gt(MongoLayout.EXPIRES_AT, now))) {
                records.add(doc.get(MongoLayout.RECORD, Binary.class).getData());
            }
            return records;
        });
    }

    private MongoNode registry() {
        return nodes.get(0);
    }

    /**
     * Per node: ready documents ({@code priority <= now}, which includes expired leases) by priority,
     * then delayed ones never leased by due time; ready ones of every node come before delayed ones.
     */
    @Override
    public List<QueuedItem> peek(String queue, int limit) {
        Objects.requireNonNull(queue, "queue is null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        double now = TaskDocuments.seconds(clock);
        List<double[]> readyOrder = new ArrayList<>();
        List<QueuedItem> ready = new ArrayList<>();
        List<QueuedItem> delayed = new ArrayList<>();
        for (MongoNode node : nodes) {
            node.call("peek at queue '" + queue + "'", () -> {
                for (Document doc : node.tasks().find(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                                Filters.lte(MongoLayout.PRIORITY, now)))
                        .sort(Sorts.ascending(MongoLayout.PRIORITY, MongoLayout.ID)).limit(limit)) {
                    double priority = doc.get(MongoLayout.PRIORITY, Number.class).doubleValue();
                    readyOrder.add(new double[] {priority, ready.size()});
                    ready.add(new QueuedItem(doc.get(MongoLayout.VALUE, Binary.class).getData(),
                            priority == MongoLayout.HIGH ? Priority.HIGH
                                    : priority == MongoLayout.NORMAL ? Priority.NORMAL : null, null));
                }
                for (Document doc : node.tasks().find(Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                                Filters.gt(MongoLayout.PRIORITY, now), Filters.exists(MongoLayout.LEASE, false)))
                        .sort(Sorts.ascending(MongoLayout.PRIORITY, MongoLayout.ID)).limit(limit)) {
                    long micros = Math.round(doc.get(MongoLayout.PRIORITY, Number.class).doubleValue() * 1_000_000);
                    delayed.add(new QueuedItem(doc.get(MongoLayout.VALUE, Binary.class).getData(), null,
                            Instant.EPOCH.plusNanos(micros * 1000)));
                }
                return null;
            });
        }
        List<QueuedItem> items = new ArrayList<>(ready.size() + delayed.size());
        readyOrder.stream().sorted(java.util.Comparator.comparingDouble(o -> o[0]))
                .forEach(o -> items.add(ready.get((int) o[1])));
        delayed.sort(java.util.Comparator.comparing(QueuedItem::dueAt));
        items.addAll(delayed);
        return List.copyOf(items.size() > limit ? items.subList(0, limit) : items);
    }

    /**
     * As {@link #peek(String, int)}, the payloads bounded on each node: one aggregation per part (ready,
     * delayed) lists ids, priorities and {@code $binarySize} of the value (MongoDB 4.4+), then one
     * {@code find} by {@code _id} reads only the values returned. A task taken between the two is left
     * out. The merged list is bounded again (several nodes read at most the budget each). A server without
     * {@code $binarySize} (no supported MongoDB, but some emulators) gets the unbounded read, bounded after.
     */
    @Override
    public List<QueuedItem> peek(String queue, int limit, long maxPayloadBytes, long budgetBytes) {
        BackendMonitoring.checkPeek(queue, limit, maxPayloadBytes, budgetBytes);
        if (limit == 0) {
            return List.of();
        }
        double now = TaskDocuments.seconds(clock);
        List<Object[]> ready = new ArrayList<>();
        List<QueuedItem> delayed = new ArrayList<>();
        for (MongoNode node : nodes) {
            boolean sized = node.call("peek at queue '" + queue + "'", () -> {
                try {
                    List<Document> readyDocs = sizes(node, Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                            Filters.lte(MongoLayout.PRIORITY, now)), limit);
                    List<Document> delayedDocs = sizes(node, Filters.and(Filters.eq(MongoLayout.QUEUE_NAME, queue),
                            Filters.gt(MongoLayout.PRIORITY, now), Filters.exists(MongoLayout.LEASE, false)), limit);
                    List<Document> all = new ArrayList<>(readyDocs);
                    all.addAll(delayedDocs);
                    java.util.Map<Object, byte[]> values = values(node, all.subList(0, Math.min(limit, all.size())),
                            maxPayloadBytes, budgetBytes);
                    for (Document doc : readyDocs) {
                        double priority = doc.get(MongoLayout.PRIORITY, Number.class).doubleValue();
                        Priority shown = priority == MongoLayout.HIGH ? Priority.HIGH
                                : priority == MongoLayout.NORMAL ? Priority.NORMAL : null;
                        QueuedItem item = item(doc, values, shown, null);
                        if (item != null) {
                            ready.add(new Object[] {priority, item});
                        }
                    }
                    for (Document doc : delayedDocs) {
                        long micros = Math.round(doc.get(MongoLayout.PRIORITY, Number.class).doubleValue() * 1_000_000);
                        QueuedItem item = item(doc, values, null, Instant.EPOCH.plusNanos(micros * 1000));
                        if (item != null) {
                            delayed.add(item);
                        }
                    }
                    return true;
                } catch (com.mongodb.MongoCommandException e) {
                    if (e.getErrorMessage() != null && e.getErrorMessage().contains("$binarySize")) {
                        return false;
                    }
                    throw e;
                }
            });
            if (!sized) {
                return QueuedItem.bounded(peek(queue, limit), maxPayloadBytes, budgetBytes);
            }
        }
        List<QueuedItem> items = new ArrayList<>(ready.size() + delayed.size());
        ready.stream().sorted(java.util.Comparator.comparingDouble(o -> (Double) o[0]))
                .forEach(o -> items.add((QueuedItem) o[1]));
        delayed.sort(java.util.Comparator.comparing(QueuedItem::dueAt));
        items.addAll(delayed);
        List<QueuedItem> listed = items.size() > limit ? items.subList(0, limit) : items;
        return List.copyOf(nodes.size() == 1 ? listed : QueuedItem.bounded(listed, maxPayloadBytes, budgetBytes));
    }

    /** Up to {@code limit} documents matching {@code filter} in pop order: {@code _id}, priority and {@code size}, no value. */
    private static List<Document> sizes(MongoNode node, org.bson.conversions.Bson filter, int limit) {
        return node.tasks().aggregate(List.of(com.mongodb.client.model.Aggregates.match(filter),
                        com.mongodb.client.model.Aggregates.sort(Sorts.ascending(MongoLayout.PRIORITY, MongoLayout.ID)),
                        com.mongodb.client.model.Aggregates.limit(limit),
                        new Document("$project", new Document(MongoLayout.PRIORITY, 1)
                                .append(SIZE, new Document("$binarySize", "$" + MongoLayout.VALUE)))))
                .into(new ArrayList<>());
    }

    /**
     * The values of the documents (in this order) whose payload a bounded peek returns, read in one
     * {@code find} by {@code _id}; the budget stops at the first one under the cap that would pass it.
     */
    private static java.util.Map<Object, byte[]> values(MongoNode node, List<Document> docs, long maxPayloadBytes,
                                                        long budgetBytes) {
        List<Object> ids = new ArrayList<>();
        long left = budgetBytes;
        for (Document doc : docs) {
            long size = doc.get(SIZE, Number.class).longValue();
            if (size > maxPayloadBytes) {
                continue;
            }
            if (size > left) {
                break;
            }
            left -= size;
            ids.add(doc.get(MongoLayout.ID));
        }
        java.util.Map<Object, byte[]> values = new java.util.HashMap<>();
        for (Object id : ids) {
            values.put(id, TAKEN); // replaced by the value below unless a pop took the task meanwhile
        }
        if (!ids.isEmpty()) {
            for (Document doc : node.tasks().find(Filters.in(MongoLayout.ID, ids))
                    .projection(com.mongodb.client.model.Projections.include(MongoLayout.VALUE))) {
                values.put(doc.get(MongoLayout.ID), doc.get(MongoLayout.VALUE, Binary.class).getData());
            }
        }
        return values;
    }

    /**
     * The item of a listed document: with its value when it was read, by size when it was not to be read, and
     * null (left out) when it was to be read but a pop took it between the listing and the read.
     */
    private static QueuedItem item(Document doc, java.util.Map<Object, byte[]> values, Priority priority, Instant dueAt) {
        long size = doc.get(SIZE, Number.class).longValue();
        byte[] value = values.get(doc.get(MongoLayout.ID));
        if (value == TAKEN) {
            return null;
        }
        return value != null ? new QueuedItem(value, priority, dueAt) : QueuedItem.sizeOnly(size, priority, dueAt);
    }

    /** Marks, by identity, an id chosen for reading whose document the read no longer found. */
    private static final byte[] TAKEN = new byte[0];

    /** The size field of {@link #sizes}' documents. */
    private static final String SIZE = "sergeant_size";
}
