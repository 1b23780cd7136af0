package io.sergeant.testkit.execution;

import io.sergeant.spi.execution.Outcome;
import io.sergeant.testkit.execution.ScriptedTaskRunner.KilledReport;
import io.sergeant.testkit.execution.ScriptedTaskRunner.Run;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@link ScriptedTaskRunner}s record what they ran, as one line per event: a run started, a run
 * ended, a task reported killed. In memory for a runner alone, or in a file that runners in several
 * processes share: each event is one {@code write} to the file opened for appending, which POSIX places
 * at the end of the file with no intervening modification, so lines never mix and the file's order is the
 * order in which the events happened, and the executor compatibility suite observes tasks that ran in child
 * processes exactly as it observes tasks that ran on threads of the test JVM. Every reading method parses
 * the whole record (a line still being written is ignored), so it sees what other processes appended.
 *
 * <p>A run counts as in progress from its start event until its end event or, for a task whose process
 * was killed and never ended it, the report that it was killed. Thread safe.
 */
final class RunJournal {

    private static final String STARTED = "S";
    private static final String ENDED = "E";
    private static final String KILLED = "K";

    /** The shared file, or null when the journal is in memory. */
    private final Path file;
    /** The lines of an in-memory journal. Guarded by this. */
    private final List<String> memory = new ArrayList<>();

    private RunJournal(Path file) {
        this.file = file;
    }

    /** A journal only this process sees. */
    static RunJournal inMemory() {
        return new RunJournal(null);
    }

    /** A journal in this file, created when the first event is recorded; runners in other processes may share it. */
    static RunJournal inFile(Path file) {
        return new RunJournal(Objects.requireNonNull(file, "file is null"));
    }

    void started(int id) {
        append(String.join(" ", STARTED, Integer.toString(id), Long.toString(ProcessHandle.current().pid())));
    }

    void ended(Run run) {
        append(String.join(" ", ENDED, Integer.toString(run.id()), Long.toString(run.pid()), flag(run.daemon()),
                flag(run.interruptedAtStart()), flag(run.interrupted()),
                run.outcome() == null ? "-" : run.outcome().name(), oneLine(run.threadName())));
    }

    void killed(KilledReport report) {
        append(String.join(" ", KILLED, Integer.toString(report.id()), flag(report.timedOut()), oneLine(report.reason())));
    }

    /** Start events per task id. */
    Map<Integer, Integer> executionCounts() {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (String[] event : events()) {
            if (event[0].equals(STARTED)) {
                counts.merge(Integer.parseInt(event[1]), 1, Integer::sum);
            }
        }
        return Map.copyOf(counts);
    }

    /** Ended runs, in the order they ended. */
    List<Run> runs() {
        List<Run> runs = new ArrayList<>();
        for (String[] event : events()) {
            if (event[0].equals(ENDED)) {
                runs.add(new Run(Integer.parseInt(event[1]), event.length > 7 ? event[7] : "", bool(event[3]),
                        bool(event[4]), bool(event[5]), event[6].equals("-") ? null : Outcome.valueOf(event[6]),
                        Long.parseLong(event[2])));
            }
        }
        return List.copyOf(runs);
    }

    /** Killed reports, in the order they were made. */
    List<KilledReport> killedReports() {
        List<KilledReport> reports = new ArrayList<>();
        for (String[] event : events()) {
            if (event[0].equals(KILLED)) {
                reports.add(new KilledReport(Integer.parseInt(event[1]), bool(event[2]), event.length > 3 ? event[3] : ""));
            }
        }
        return List.copyOf(reports);
    }

    /** How many runs are in progress now. */
    int running() {
        return concurrency()[0];
    }

    /** The most runs that were ever in progress at once. */
    int maxConcurrency() {
        return concurrency()[1];
    }

    /** Replays the events: {current, maximum} runs in progress. */
    private int[] concurrency() {
        Map<Integer, Integer> open = new HashMap<>();
        int current = 0;
        int max = 0;
        for (String[] event : events()) {
            int id = Integer.parseInt(event[1]);
            if (event[0].equals(STARTED)) {
                open.merge(id, 1, Integer::sum);
                max = Math.max(max, ++current);
            } else if (open.getOrDefault(id, 0) > 0) {
                // An end, or the report of a killed run that will never end; whichever comes first closes it.
                open.merge(id, -1, Integer::sum);
                current--;
            }
        }
        return new int[] {current, max};
    }

    private List<String[]> events() {
        List<String[]> events = new ArrayList<>();
        for (String line : lines()) {
            // The last field (a thread name, a reason) may hold spaces.
            String type = line.substring(0, 1);
            events.add(line.split(" ", type.equals(ENDED) ? 8 : type.equals(KILLED) ? 4 : 3));
        }
        return events;
    }

    private List<String> lines() {
        if (file == null) {
            synchronized (this) {
                return List.copyOf(memory);
            }
        }
        String text;
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the run journal " + file, e);
        }
        // Only complete lines: another process may be appending the last one right now.
        int complete = text.lastIndexOf('\n');
        return complete < 0 ? List.of() : text.substring(0, complete).lines().toList();
    }

    private void append(String line) {
        if (file == null) {
            synchronized (this) {
                memory.add(line);
            }
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        // java.io, not a FileChannel: the runner records the end of a run whose thread the killer interrupted,
        // and an interrupt closes a channel mid-write.
        try (FileOutputStream out = new FileOutputStream(file.toFile(), true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the run journal " + file, e);
        }
    }

    private static String flag(boolean value) {
        return value ? "1" : "0";
    }

    private static boolean bool(String flag) {
        return flag.equals("1");
    }

    /** Thread names and reasons travel on one line: line breaks become spaces. */
    private static String oneLine(String text) {
        return text == null ? "" : text.replace('\n', ' ').replace('\r', ' ');
    }
}
