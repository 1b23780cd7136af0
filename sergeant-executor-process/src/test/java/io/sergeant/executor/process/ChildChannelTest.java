package io.sergeant.executor.process;

import io.sergeant.api.Task;
import io.sergeant.core.worker.CoreChildRuntimeProvider;
import io.sergeant.spi.execution.ChildRuntime;
import io.sergeant.testkit.execution.Eventually;
import io.sergeant.testkit.workers.Events;
import io.sergeant.testkit.workers.ScriptWorker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sergeant.testkit.workers.ScriptWorker.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One child JVM driven frame by frame, as the parent drives it: whichever of its threads reads the
 * channel (the idle task thread, or the main thread while a task runs long), an interrupt reaches the
 * task it names and no other, a shutdown waits for the running task, and the end of the channel ends
 * the child whether a task runs or not.
 */
class ChildChannelTest {

    private static final Duration GENEROUS = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ChildRuntime local;
    private ChildProcess child;

    @BeforeEach
    void start() {
        new Events(dir);
        System.setProperty(ScriptWorker.DIR_PROPERTY, dir.toString());
        local = new CoreChildRuntimeProvider().open(ScriptWorker.class.getName(), List.of());
        ChildCommand command = ChildCommand.of(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-D" + ScriptWorker.DIR_PROPERTY + "=" + dir), ScriptWorker.class.getName(), List.of(), Map.of());
        child = ChildProcess.start(command.command(), GENEROUS);
    }

    @AfterEach
    void stop() {
        if (child != null) {
            child.process.destroyForcibly();
        }
        local.close();
        System.clearProperty(ScriptWorker.DIR_PROPERTY);
    }

    @Test
    void aLateInterruptForAFinishedTaskIsIgnoredAndTheNextTaskRuns() throws Exception {
        send(Frames.TASK, 1, task(1, "succeed"));
        assertThat(result(1)).isEqualTo("SUCCESS");

        send(Frames.INTERRUPT, 1, null);
        send(Frames.TASK, 2, task(2, "sleep", "millis", 300));

        assertThat(result(2)).as("task 2 is not interrupted by task 1's late interrupt").isEqualTo("SUCCESS");
    }

    @Test
    void anInterruptReachesATaskThatRunsLongAndTheNextTaskStillRunsInTheSameChild() throws Exception {
        send(Frames.TASK, 1, task(1, "sleep", "millis", 60_000));
        Thread.sleep(200);
        send(Frames.INTERRUPT, 1, null);

        assertThat(result(1)).as("the interrupted task times out in the child").isEqualTo("TIMEOUT");
        for (int id = 2; id <= 4; id++) {
            send(Frames.TASK, id, task(id, id == 3 ? "sleep" : "succeed", "millis", 100));
            assertThat(result(id)).isEqualTo("SUCCESS");
        }
    }

    @Test
    void aShutdownThatArrivesWhileATaskRunsLetsTheTaskFinishThenFinalizesAndExitsZero() throws Exception {
        Events events = new Events(dir);
        send(Frames.TASK, 1, task(1, "sleep", "millis", 1_000));
        Thread.sleep(200);
        send(Frames.SHUTDOWN, 0, null);

        assertThat(result(1)).isEqualTo("SUCCESS");
        assertThat(child.process.waitFor(GENEROUS.toSeconds(), TimeUnit.SECONDS)).as("the child exits").isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(events.lifecyclePids("finalize")).contains(child.pid);
    }

    @Test
    void theEndOfTheChannelWhileATaskRunsLongFinalizesTheWorkerAndEndsTheChild() throws Exception {
        Events events = new Events(dir);
        send(Frames.TASK, 1, task(1, "sleep", "millis", 120_000));
        assertThat(Eventually.holds(GENEROUS, () -> !events.pids("ran", 1).isEmpty())).isTrue();
        Thread.sleep(200);

        child.process.getOutputStream().close();

        assertThat(child.process.waitFor(GENEROUS.toSeconds(), TimeUnit.SECONDS))
                .as("the child exits without waiting for its two-minute task").isTrue();
        assertThat(child.process.exitValue()).isEqualTo(1);
        assertThat(events.lifecyclePids("finalize")).contains(child.pid);
    }

    @Test
    void theEndOfTheChannelWhileIdleFinalizesTheWorkerAndEndsTheChild() throws Exception {
        Events events = new Events(dir);
        send(Frames.TASK, 1, task(1, "succeed"));
        assertThat(result(1)).isEqualTo("SUCCESS");

        child.process.getOutputStream().close();

        assertThat(child.process.waitFor(GENEROUS.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isEqualTo(1);
        assertThat(events.lifecyclePids("finalize")).contains(child.pid);
    }

    private void send(byte type, long sequence, Map<String, Object> kwargs) throws IOException {
        byte[] payload = kwargs == null ? new byte[0] : local.codec().encode(Task.of(kwargs));
        synchronized (child) {
            child.send(type, sequence, payload, null);
        }
    }

    private String result(long sequence) throws IOException {
        Frames.Frame frame = child.read();
        assertThat(frame).as("a frame before the channel's end").isNotNull();
        assertThat(frame.type()).isEqualTo(Frames.RESULT);
        assertThat(frame.sequence()).isEqualTo(sequence);
        return Frames.parseResult(frame.payload()).outcome();
    }
}
