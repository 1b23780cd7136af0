package io.sergeant.it.reliability;

import io.sergeant.testkit.servers.RedisServerProcess;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * kill -9 of worker processes every few seconds while a producer pushes a few thousand tasks, on SQLite
 * and Redis with the thread and the process executor, and on MongoDB (an in-process wire-protocol server)
 * with the thread executor. At-least-once: nothing lost, nothing unexpected,
 * duplicates only of tasks a killed worker held (started and not acknowledged), each fetched again within
 * a few reaps after its lease expired ({@link KillNineRuns#assertRedeliveredInTime}).
 * At-most-once: no duplicates, and the losses (reported) stay within what the killed workers held; on Redis with
 * the pipelined pop of a one-thread worker ({@link KillNineRuns#atMostOncePipelined}), two kills each with a task
 * running and the next batch's pop in flight (its send recorded as written ahead) lose more than one batch and at most
 * two.
 *
 * <p>The class timeout is a backstop above the sum of each run's own liveness bounds, so a slow or failing run ends
 * on its own assertion, with the report and its figures, not on JUnit's interrupt: at-least-once with all three extra
 * rounds about 420 s (producer 60, four waits for redeliveries 18, three rounds of 20 + 60, drain 30, settle 12.5,
 * stop 60), the pipelined run 420 s (four steps of {@link KillNineRuns#PIPELINED_LIVENESS}, stop 60),
 * at-most-once 140 s. A healthy run takes seconds to tens of seconds on the loaded two-core machine.
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class KillNineTest {

    /** The lease of the kill runs. */
    static final long LEASE_MILLIS = 2_000;
    /** The reap interval of the kill runs. */
    static final long REAP_MILLIS = 500;
    /** Long enough that a kill often catches tasks running, short enough that one worker keeps up alone. */
    static final int MAX_WORK_MILLIS = 20;

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private MongoServer mongo;

    @AfterEach
    void stopServers() {
        if (redis != null) {
            redis.close();
        }
        if (mongo != null) {
            mongo.shutdownNow();
        }
    }

    @Test
    @DisplayName("SQLite, thread executor, at-least-once: kill -9 loses nothing")
    void sqliteThreadAtLeastOnce() throws Exception {
        KillNineRuns.atLeastOnce(dir, "sqlite-thread", sqlite(), KillNineRuns.Executor.THREAD, 0);
    }

    @Test
    @DisplayName("SQLite, process executor, at-least-once: kill -9 of worker trees loses nothing")
    void sqliteProcessAtLeastOnce() throws Exception {
        KillNineRuns.atLeastOnce(dir, "sqlite-process", sqlite(), KillNineRuns.Executor.PROCESS, 0);
    }

    @Test
    @DisplayName("Redis, thread executor, at-least-once: kill -9 loses nothing")
    void redisThreadAtLeastOnce() throws Exception {
        KillNineRuns.atLeastOnce(dir, "redis-thread", redis(), KillNineRuns.Executor.THREAD, 0);
    }

    @Test
    @DisplayName("Redis, process executor, at-least-once: kill -9 of worker trees loses nothing")
    void redisProcessAtLeastOnce() throws Exception {
        KillNineRuns.atLeastOnce(dir, "redis-process", redis(), KillNineRuns.Executor.PROCESS, 0);
    }

    @Test
    @DisplayName("MongoDB (in-process wire-protocol server), thread executor, at-least-once: kill -9 loses nothing")
    void mongoThreadAtLeastOnce() throws Exception {
        // The emulator scans whole collections on every query: keep the run in the low thousands.
        KillNineRuns.atLeastOnce(dir, "mongo-thread", mongo(), KillNineRuns.Executor.THREAD_GENTLE, 0);
    }

    @Test
    @DisplayName("SQLite, thread executor, at-most-once: kill -9 duplicates nothing and loses at most what the victims held")
    void sqliteThreadAtMostOnce() throws Exception {
        KillNineRuns.atMostOnce(dir, "sqlite-thread", sqlite(), 0);
    }

    @Test
    @DisplayName("Redis, thread executor, at-most-once: kill -9 duplicates nothing and loses at most what the victims held")
    void redisThreadAtMostOnce() throws Exception {
        KillNineRuns.atMostOnce(dir, "redis-thread", redis(), 0);
    }

    @Test
    @DisplayName("Redis, one thread on the loop thread, pipelined pops, at-most-once: kill -9 with a pop in flight"
            + " duplicates nothing and loses at most two batches per kill")
    void redisPipelinedAtMostOnce() throws Exception {
        KillNineRuns.atMostOncePipelined(dir, redis());
    }

    private String sqlite() {
        return "sqlite:" + dir.resolve("queue.sqlite3");
    }

    private String mongo() {
        mongo = new MongoServer(new MemoryBackend());
        mongo.bind("127.0.0.1", 0);
        return "mongodb://127.0.0.1:" + mongo.getLocalAddress().getPort();
    }

    private String redis() {
        redis = RedisServerProcess.start();
        return redis.uri();
    }
}
