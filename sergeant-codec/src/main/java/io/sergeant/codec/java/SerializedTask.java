package io.sergeant.codec.java;

import io.sergeant.api.Task;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The serial form of a {@link Task} for the {@code java} serializer ({@code Task} is a record and not
 * {@code Serializable}): trace id, date, run count, then the kwargs as a count and key/value pairs in
 * order. Its class name and {@code serialVersionUID} are part of the wire format. Read only through
 * {@link FilteringObjectInputStream}, which bounds the kwargs count. Not thread safe.
 */
final class SerializedTask implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private transient Task task;

    SerializedTask(Task task) {
        this.task = task;
    }

    Task task() {
        return task;
    }

    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.writeObject(task.traceId());
        out.writeDouble(task.date());
        out.writeInt(task.runCount());
        Map<String, Object> kwargs = task.kwargs();
        out.writeInt(kwargs.size());
        for (Map.Entry<String, Object> entry : kwargs.entrySet()) {
            out.writeObject(entry.getKey());
            out.writeObject(entry.getValue());
        }
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        if (!(in instanceof FilteringObjectInputStream filtering)) {
            throw new InvalidObjectException("a Sergeant task is only read through the java serializer");
        }
        Object traceId = in.readObject();
        double date = in.readDouble();
        int runCount = in.readInt();
        int size = in.readInt();
        if (traceId != null && !(traceId instanceof String)) {
            throw new InvalidObjectException("trace id is a " + traceId.getClass().getName());
        }
        if (runCount < 0) {
            throw new InvalidObjectException("negative run count " + runCount);
        }
        filtering.checkLength(size);
        Map<String, Object> kwargs = new LinkedHashMap<>(Math.min(size, 64) * 2);
        for (int i = 0; i < size; i++) {
            Object key = in.readObject();
            if (!(key instanceof String name)) {
                throw new InvalidObjectException("kwargs key is not a string");
            }
            kwargs.put(name, in.readObject());
        }
        filtering.checkTree(kwargs);
        task = new Task(kwargs, (String) traceId, date, runCount);
    }
}
