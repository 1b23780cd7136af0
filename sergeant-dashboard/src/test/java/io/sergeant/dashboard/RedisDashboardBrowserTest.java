package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;
import io.sergeant.testkit.servers.RedisServerProcess;

/** The dashboard in Chromium over a real redis-server on a free loopback port. */
class RedisDashboardBrowserTest extends DashboardBrowserContract {

    private RedisServerProcess redis;

    @Override
    Broker openBroker() {
        redis = RedisServerProcess.start();
        return Sergeant.create().broker(WorkerConfig.builder("dashboard").backend(redis.uri()).build());
    }

    @Override
    String backendLabel() {
        // What an operator passes: credentials in the URI, which the page must never show.
        return redis.uri().replace("redis://", "redis://default:hunter2@");
    }

    @Override
    void stopBackend() {
        if (redis != null) {
            redis.close();
        }
    }
}
