package io.sergeant.it.reliability;

import io.sergeant.testkit.servers.RedisServerProcess;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * Long kill -9 soaks, off by default: {@code -Dsergeant.soak=true} enables them and
 * {@code -Dsergeant.soak.tasks=N} sets the tasks per run (default 30,000, about 100 s each at the
 * producer's pace, with a kill every 2.5 s). Same runs and assertions as {@link KillNineTest}.
 */
@EnabledIfSystemProperty(named = "sergeant.soak", matches = "true")
class SoakTest {

    @TempDir
    Path dir;

    private RedisServerProcess redis;

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("soak: SQLite, at-least-once, thread executor")
    void sqliteAtLeastOnce() throws Exception {
        KillNineRuns.atLeastOnce(dir, "soak sqlite-thread", "sqlite:" + dir.resolve("queue.sqlite3"), KillNineRuns.Executor.THREAD, tasks());
    }

    @Test
    @DisplayName("soak: Redis, at-least-once, thread executor")
    void redisAtLeastOnce() throws Exception {
        redis = RedisServerProcess.start();
        KillNineRuns.atLeastOnce(dir, "soak redis-thread", redis.uri(), KillNineRuns.Executor.THREAD, tasks());
    }

    @Test
    @DisplayName("soak: SQLite, at-most-once, thread executor")
    void sqliteAtMostOnce() throws Exception {
        KillNineRuns.atMostOnce(dir, "soak sqlite-thread", "sqlite:" + dir.resolve("queue.sqlite3"), tasks());
    }

    @Test
    @DisplayName("soak: Redis, at-least-once, process executor")
    void redisProcessAtLeastOnce() throws Exception {
        redis = RedisServerProcess.start();
        KillNineRuns.atLeastOnce(dir, "soak redis-process", redis.uri(), KillNineRuns.Executor.PROCESS, tasks() / 2);
    }

    private static int tasks() {
        return Integer.getInteger("sergeant.soak.tasks", 30_000);
    }
}
