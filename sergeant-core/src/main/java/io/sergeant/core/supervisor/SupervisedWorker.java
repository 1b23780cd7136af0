package io.sergeant.core.supervisor;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One worker process the supervisor started.
 *
 * @param process     the process
 * @param summaryFile where it writes its run summary
 * @param started     when it was started
 */
record SupervisedWorker(Process process, Path summaryFile, Instant started) {

    SupervisedWorker {
        Objects.requireNonNull(process, "process is null");
        Objects.requireNonNull(summaryFile, "summaryFile is null");
        Objects.requireNonNull(started, "started is null");
    }

    long pid() {
        return process.pid();
    }
}
