package io.sergeant.testkit.workers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Reads the marker files a {@link ScriptWorker} leaves in its directory's {@code events} folder. */
public final class Events {

    private final Path events;

    /** The events of a worker directory (created if missing). */
    public Events(Path dir) {
        this.events = dir.resolve("events");
        try {
            Files.createDirectories(events);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every marker name. */
    public List<String> all() {
        try (Stream<Path> files = Files.list(events)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Markers of an event for a task id: {@code <event>-<id>-...}. */
    public List<String> of(String event, int id) {
        String prefix = event + "-" + id + "-";
        return all().stream().filter(name -> name.startsWith(prefix)).toList();
    }

    /** The pids of an event's markers for a task id. */
    public List<Long> pids(String event, int id) {
        return of(event, id).stream().map(name -> Long.parseLong(name.split("-")[2])).toList();
    }

    /** The pids of a lifecycle event ({@code initialize}, {@code finalize}). */
    public Set<Long> lifecyclePids(String event) {
        Set<Long> pids = new TreeSet<>();
        all().stream().filter(name -> name.startsWith(event + "-")).forEach(name -> pids.add(Long.parseLong(name.split("-")[1])));
        return pids;
    }

    /** The task ids with at least one marker of this event. */
    public Set<Integer> ids(String event) {
        Set<Integer> ids = new TreeSet<>();
        all().stream().filter(name -> name.startsWith(event + "-")).forEach(name -> ids.add(Integer.parseInt(name.split("-")[1])));
        return ids;
    }

    /** The content of the first marker of an event for a task id. */
    public String content(String event, int id) {
        try {
            return Files.readString(events.resolve(of(event, id).get(0)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
