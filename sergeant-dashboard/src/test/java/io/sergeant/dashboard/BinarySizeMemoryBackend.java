package io.sergeant.dashboard;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * mongo-java-server's memory backend plus the one use of {@code $binarySize} the MongoDB backend makes
 * (MongoDB 4.4+ has it, this emulator does not): an {@code aggregate} whose last stage is a
 * {@code $project} of fields set to 1 and one field set to {@code {$binarySize: "$<field>"}}. The server
 * runs the pipeline with that field's binary projected instead, then answers each document with the
 * binary's length in its place: the client receives sizes, never the binaries, as from a real server.
 */
final class BinarySizeMemoryBackend extends MemoryBackend {

    @Override
    public Document handleMessage(MongoMessage message) {
        Document command = message.getDocument();
        if (command.isEmpty() || !"aggregate".equals(command.keySet().iterator().next())
                || !(command.get("pipeline") instanceof List<?> pipeline) || pipeline.isEmpty()
                || !(pipeline.get(pipeline.size() - 1) instanceof Document last)
                || !(last.get("$project") instanceof Document project)) {
            return super.handleMessage(message);
        }
        String sizeField = null;
        String binaryField = null;
        Document plain = new Document();
        for (Map.Entry<String, Object> entry : project.entrySet()) {
            if (entry.getValue() instanceof Document expression && expression.get("$binarySize") instanceof String path) {
                sizeField = entry.getKey();
                binaryField = path.substring(1);
                plain.put(binaryField, 1);
            } else {
                plain.put(entry.getKey(), entry.getValue());
            }
        }
        if (sizeField == null) {
            return super.handleMessage(message);
        }
        List<Object> stages = new ArrayList<>(pipeline.subList(0, pipeline.size() - 1));
        stages.add(new Document("$project", plain));
        command.put("pipeline", stages);
        Document answer = super.handleMessage(message);
        if (answer.get("cursor") instanceof Document cursor && cursor.get("firstBatch") instanceof List<?> batch) {
            for (Object item : batch) {
                Document doc = (Document) item;
                Object binary = doc.remove(binaryField);
                long size = binary instanceof BinData data ? data.getData().length
                        : binary instanceof byte[] bytes ? bytes.length : 0;
                doc.put(sizeField, size);
            }
        }
        return answer;
    }
}
