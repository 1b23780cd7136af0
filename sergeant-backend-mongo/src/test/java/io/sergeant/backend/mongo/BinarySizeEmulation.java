package io.sergeant.backend.mongo;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one use of {@code $binarySize} the backend makes (its bounded peek; MongoDB 4.4+ has the operator,
 * mongo-java-server does not), emulated on the server's side: an {@code aggregate} whose last stage is a
 * {@code $project} with one field set to {@code {$binarySize: "$<field>"}} runs with that binary projected
 * instead, and each answered document gets the binary's length in its place, so the client receives sizes,
 * never the binaries, as from MongoDB. Any other command is passed on unchanged. (The dashboard's tests keep
 * a copy, {@code BinarySizeMemoryBackend}.)
 */
final class BinarySizeEmulation {

    private BinarySizeEmulation() {
    }

    /** The answer to {@code message}: {@code next}'s, with a {@code $binarySize} projection emulated. */
    static Document handle(MongoMessage message, Function<MongoMessage, Document> next) {
        Document command = message.getDocument();
        if (command.isEmpty() || !"aggregate".equals(command.keySet().iterator().next())
                || !(command.get("pipeline") instanceof List<?> pipeline) || pipeline.isEmpty()
                || !(pipeline.get(pipeline.size() - 1) instanceof Document last)
                || !(last.get("$project") instanceof Document project)) {
            return next.apply(message);
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
            return next.apply(message);
        }
        List<Object> stages = new ArrayList<>(pipeline.subList(0, pipeline.size() - 1));
        stages.add(new Document("$project", plain));
        command.put("pipeline", stages);
        Document answer = next.apply(message);
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
