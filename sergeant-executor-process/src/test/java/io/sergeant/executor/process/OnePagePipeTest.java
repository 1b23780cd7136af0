package io.sergeant.executor.process;

import io.sergeant.toolkit.process.ProcessTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A frame written on the caller's thread ({@link ChildProcess#send}) must never wait for the child, whatever
 * the pipe: here the child's stdin is cut to one page ({@code F_SETPIPE_SZ}, as an older kernel does to every
 * new pipe of a user past the pipe quota) and the child stops reading in the middle of that page (it reads
 * its task frame exactly and not the interrupt frame behind it). Then 14 bytes are unread, yet a frame of
 * 1,100 bytes does not fit: the page's tail is taken and the pipe has no second page. The child is a real
 * process speaking the frame protocol (a Perl script: {@code perl} is in every Debian base system), the pipe
 * a real one; nothing is simulated.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OnePagePipeTest {

    private static final long GENEROUS_SECONDS = 60;
    /** Sets its stdin to one page, reports ready, waits until ARGV[0] + 14 bytes are there, reads ARGV[0] exactly. */
    private static final String CHILD = String.join("\n",
            "binmode STDIN; binmode STDOUT;",
            "fcntl(STDIN, 1031, 4096) or die \"F_SETPIPE_SZ: $!\";",
            "syswrite(STDOUT, pack('CCq>N', 0xE5, 10, $$, 0));",
            "my $want = $ARGV[0];",
            "while (1) { my $n = pack('L', 0); ioctl(STDIN, 0x541B, $n) or die \"FIONREAD: $!\";",
            "  last if unpack('L', $n) >= $want + 14; select(undef, undef, undef, 0.01); }",
            "my $got = 0; while ($got < $want) { my $r = sysread(STDIN, my $b, $want - $got); die \"read: $!\" unless $r; $got += $r; }",
            "syswrite(STDOUT, pack('CCq>N', 0xE5, 11, 1, 0));",
            "sleep 600;");

    @Test
    void aSmallFrameToAChildThatStoppedMidPageIsNotWrittenOnTheCallersThread() throws Exception {
        ChildProcess child = ChildProcess.start(List.of("perl", "-e", CHILD, "3000"), Duration.ofSeconds(GENEROUS_SECONDS));
        try {
            child.send(Frames.TASK, 1, new byte[3000 - Frames.HEADER], null); // fits in the empty page
            child.send(Frames.INTERRUPT, 1, new byte[0], null);
            Frames.Frame result = child.read();
            assertThat(result).isNotNull();
            assertThat(result.type()).as("the child read task 1's frame exactly, not the interrupt behind it")
                    .isEqualTo(Frames.RESULT);
            child.resultReceived();

            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    child.send(Frames.TASK, 2, new byte[1100 - Frames.HEADER], null);
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, "worker-loop");
            caller.setDaemon(true);
            caller.start();
            caller.join(TimeUnit.SECONDS.toMillis(GENEROUS_SECONDS));
            assertThat(caller.isAlive()).as("send is blocked on the caller's thread behind a child that does not read")
                    .isFalse();
            assertThat(failed.get()).isNull();
        } finally {
            ProcessTree.destroyForcibly(child.process);
            ProcessTree.awaitExit(child.process, Duration.ofSeconds(GENEROUS_SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GENEROUS_SECONDS);
        while (writerAlive(child.pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(writerAlive(child.pid)).as("the writer ended with its child").isFalse();
    }

    private static boolean writerAlive(long pid) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.isAlive() && thread.getName().equals("sergeant-child-writer-" + pid));
    }
}
