package io.sergeant.cli.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

import java.util.ArrayList;
import java.util.List;

/**
 * MongoDB's raw limit with the sync driver on Python Sergeant's {@code task_queue} collection of the
 * given database: {@code insertOne} per item, unordered {@code insertMany} per chunk, and a batched
 * claim (find the next {@code batch} due ids in priority order, then {@code deleteMany} them).
 */
final class MongoRawClient implements RawClient {

    private final MongoClient client;
    private final MongoCollection<Document> tasks;

    MongoRawClient(String uri, String database) {
        this.client = MongoClients.create(uri);
        this.tasks = client.getDatabase(database).getCollection("task_queue");
    }

    @Override
    public String describe() {
        return "mongodb-driver-sync: insertOne / insertMany / find + deleteMany";
    }

    private static Document document(byte[] item) {
        return new Document("_id", new ObjectId()).append("queue_name", QUEUE).append("priority", 1.0)
                .append("value", new Binary(item));
    }

    @Override
    public void pushOneByOne(List<byte[]> items) {
        for (byte[] item : items) {
            tasks.insertOne(document(item));
        }
    }

    @Override
    public void pushBulk(List<byte[]> items, int chunk) {
        for (int from = 0; from < items.size(); from += chunk) {
            List<Document> docs = new ArrayList<>(chunk);
            for (byte[] item : items.subList(from, Math.min(items.size(), from + chunk))) {
                docs.add(document(item));
            }
            tasks.insertMany(docs, new InsertManyOptions().ordered(false));
        }
    }

    @Override
    public long popAll(int batch) {
        long total = 0;
        while (true) {
            double now = System.currentTimeMillis() / 1000.0;
            List<ObjectId> ids = new ArrayList<>(batch);
            for (Document doc : tasks.find(Filters.and(Filters.eq("queue_name", QUEUE), Filters.lte("priority", now)))
                    .sort(Sorts.ascending("priority", "_id")).projection(Projections.include("_id", "value")).limit(batch)) {
                ids.add(doc.getObjectId("_id"));
            }
            if (ids.isEmpty()) {
                return total;
            }
            total += tasks.deleteMany(Filters.in("_id", ids)).getDeletedCount();
        }
    }

    @Override
    public void clear() {
        tasks.deleteMany(Filters.eq("queue_name", QUEUE));
    }

    @Override
    public void close() {
        client.close();
    }
}
