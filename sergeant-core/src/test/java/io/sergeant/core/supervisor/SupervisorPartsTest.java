package io.sergeant.core.supervisor;

import io.sergeant.toolkit.process.ResidentMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class SupervisorPartsTest {

    @TempDir
    Path dir;

    @Test
    void vmRssIsReadFromAProcStatusText() {
        String status = "Name:\tjava\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nThreads:\t20\n";

        assertThat(ResidentMemory.parseStatus(status)).hasValue(123456L * 1024);
        assertThat(ResidentMemory.parseStatus("Name:\tzombie\nState:\tZ (zombie)\n")).isEmpty();
    }

    @Test
    void theResidentMemoryOfThisProcessTreeIsPositiveWhereProcExists() {
        OptionalLong rss = ResidentMemory.ofTree(ProcessHandle.current());

        if (ResidentMemory.available()) {
            assertThat(rss).isPresent();
            assertThat(rss.getAsLong()).isGreaterThan(1L << 20);
        } else {
            assertThat(rss).isEmpty();
        }
        assertThat(ResidentMemory.of(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void theExceptionOfAWorkerSummaryIsReadEscapedOrNot() throws Exception {
        String summary = "{\"exception\":\"java.lang.IllegalStateException: a \\\"quoted\\\" \\\\ path\\nline\\u0041\","
                + "\"stacktrace\":\"x\",\"return_code\":1}";
        Path file = dir.resolve("worker.json");
        Files.writeString(file, summary + "\n");

        assertThat(SummaryFile.read(file)).hasValue(summary);
        assertThat(SummaryFile.stringField(summary, "exception"))
                .hasValue("java.lang.IllegalStateException: a \"quoted\" \\ path\nlineA");
        assertThat(SummaryFile.stringField("{\"outcomes\":{\"exception\":\"nested\"},\"executor_exception\":null}", "exception"))
                .as("only top-level fields").isEmpty();
        assertThat(SummaryFile.stringField("{\"initialize_exception\":null}", "initialize_exception")).isEmpty();
        assertThat(SummaryFile.read(dir.resolve("missing.json"))).isEmpty();
        Files.writeString(dir.resolve("empty.json"), "");
        assertThat(SummaryFile.read(dir.resolve("empty.json"))).isEmpty();
    }

    @Test
    void requestStopBeforeRunStartsNothingAndRunReturnsZero() {
        Supervisor supervisor = new Supervisor(SupervisorConfig.of("com.example.NeverStarted", 3));
        supervisor.requestStop();

        assertThat(supervisor.run()).isZero();
        assertThat(supervisor.liveWorkers()).isZero();
        assertThat(supervisor.workerPids()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(supervisor::run).isInstanceOf(IllegalStateException.class);
    }
}
