package io.sergeant.cli.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ExecutionLogTest {

    @TempDir
    Path directory;

    @Test
    void everyIdRecordedOnceAcrossLogsIsExactlyOnce() {
        try (ExecutionLog first = ExecutionLog.create(directory); ExecutionLog second = ExecutionLog.create(directory)) {
            for (long id = 0; id < 10; id++) {
                (id % 2 == 0 ? first : second).record(id);
            }
        }

        ExecutionLog.Verdict verdict = ExecutionLog.verify(directory, 10);

        assertThat(verdict).isEqualTo(new ExecutionLog.Verdict(10, 10, 10, 0, 0, 0, 2));
        assertThat(verdict.exactlyOnce()).isTrue();
        assertThat(ExecutionLog.executions(directory)).isEqualTo(10);
    }

    @Test
    void duplicatesMissingAndUnexpectedIdsAreCounted() {
        try (ExecutionLog log = ExecutionLog.create(directory)) {
            log.record(0);
            log.record(1);
            log.record(1);
            log.record(42);
            log.record(-1);
        }

        ExecutionLog.Verdict verdict = ExecutionLog.verify(directory, 4);

        assertThat(verdict).isEqualTo(new ExecutionLog.Verdict(4, 5, 2, 1, 2, 2, 1));
        assertThat(verdict.exactlyOnce()).isFalse();
    }

    @Test
    void concurrentRecordsAreNotLostOrTorn() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (ExecutionLog log = ExecutionLog.create(directory)) {
            for (int thread = 0; thread < 4; thread++) {
                int offset = thread;
                threads.submit(() -> {
                    for (long id = offset; id < 4000; id += 4) {
                        log.record(id);
                    }
                });
            }
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(ExecutionLog.verify(directory, 4000).exactlyOnce()).isTrue();
    }

    @Test
    void aTornTrailingRecordIsIgnored() throws Exception {
        try (ExecutionLog log = ExecutionLog.create(directory)) {
            log.record(0);
            Files.write(log.file(), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        }

        assertThat(ExecutionLog.executions(directory)).isEqualTo(1);
        assertThat(ExecutionLog.verify(directory, 1).exactlyOnce()).isTrue();
    }

    @Test
    void otherFilesInTheDirectoryAreIgnored() throws Exception {
        Files.writeString(directory.resolve("demo.db"), "not a log");

        assertThat(ExecutionLog.executions(directory)).isZero();
        assertThat(ExecutionLog.verify(directory, 3).missing()).isEqualTo(3);
    }
}
