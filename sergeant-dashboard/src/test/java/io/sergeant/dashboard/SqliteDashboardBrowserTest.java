package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The dashboard in Chromium over a SQLite file. */
class SqliteDashboardBrowserTest extends DashboardBrowserContract {

    private Path dir;

    @Override
    Broker openBroker() throws Exception {
        dir = Files.createTempDirectory("dashboard-browser");
        return Sergeant.create().broker(WorkerConfig.builder("dashboard").backend(backendLabel()).build());
    }

    @Override
    String backendLabel() {
        return "sqlite:" + dir.resolve("queues.db");
    }

    @Override
    void stopBackend() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
