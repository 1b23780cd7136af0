package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The dashboard's API contract on a SQLite file. */
class SqliteDashboardApiTest extends DashboardApiContract {

    private Path dir;

    @Override
    Broker openBroker() throws Exception {
        dir = Files.createTempDirectory("dashboard-sqlite");
        return Sergeant.create().broker(WorkerConfig.builder("dashboard").backend("sqlite:" + dir.resolve("q.db")).build());
    }

    @Override
    void stopBackend() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
