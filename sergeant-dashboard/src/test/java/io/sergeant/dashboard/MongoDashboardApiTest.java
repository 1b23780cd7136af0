package io.sergeant.dashboard;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;

/** The dashboard's API contract on the in-process MongoDB wire server (mongo-java-server, memory backend). */
class MongoDashboardApiTest extends DashboardApiContract {

    private MongoServer mongo;

    @Override
    Broker openBroker() {
        mongo = new MongoServer(new MemoryBackend());
        java.net.InetSocketAddress address = mongo.bind();
        return Sergeant.create().broker(WorkerConfig.builder("dashboard")
                .backend("mongodb://127.0.0.1:" + address.getPort()).build());
    }

    @Override
    void stopBackend() {
        if (mongo != null) {
            mongo.shutdownNow();
        }
    }
}
