package io.sergeant.dashboard;

import de.bwaldvogel.mongo.MongoServer;
import io.sergeant.api.Broker;
import io.sergeant.api.config.WorkerConfig;
import io.sergeant.core.Sergeant;

/**
 * The dashboard's API contract on the in-process MongoDB wire server (mongo-java-server, memory backend, with
 * the {@code $binarySize} the backend uses emulated: {@link BinarySizeMemoryBackend}).
 */
class MongoDashboardApiTest extends DashboardApiContract {

    private MongoServer mongo;

    @Override
    Broker openBroker() {
        mongo = new MongoServer(new BinarySizeMemoryBackend());
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
