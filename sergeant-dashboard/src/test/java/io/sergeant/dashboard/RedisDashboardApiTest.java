package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.servers.RedisServerProcess;

/** The dashboard's API contract on a real redis-server started on a free loopback port. */
class RedisDashboardApiTest extends DashboardApiContract {

    private RedisServerProcess redis;

    @Override
    Broker openBroker() {
        redis = RedisServerProcess.start();
        return Sergeant.create().broker(WorkerConfig.builder("dashboard").backend(redis.uri()).build());
    }

    @Override
    void stopBackend() {
        if (redis != null) {
            redis.close();
        }
    }
}
