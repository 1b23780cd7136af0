package io.sergeant.dashboard;

import io.sergeant.api.Broker;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The actions behind the POST routes: purge a queue (confirmed by its name), requeue or delete dead
 * letters (one, a selection, or all; deleting all is confirmed by the queue's name). Each returns
 * {@code {done, count, missing}}: what was done, to how many, and how many of the named dead letters
 * were already gone. Stateless over the broker.
 */
final class Actions {

    private static final int MAX_IDS = 1_000;

    private final Broker broker;

    Actions(Broker broker) {
        this.broker = broker;
    }

    Map<String, Object> purge(String queue, String confirm) {
        if (!queue.equals(confirm)) {
            throw new IllegalArgumentException("purging needs confirm=<queue name> ('" + queue + "'): nothing was deleted");
        }
        boolean purged = broker.purgeTasks(queue);
        return result("purged", purged ? 1 : 0, 0);
    }

    Map<String, Object> deadLetters(String queue, boolean requeue, Map<String, List<String>> form) {
        if ("1".equals(DashboardHandler.first(form, "all")) || "true".equals(DashboardHandler.first(form, "all"))) {
            if (!requeue && !queue.equals(DashboardHandler.first(form, "confirm"))) {
                throw new IllegalArgumentException("deleting every dead letter needs confirm=<queue name> ('" + queue
                        + "'): nothing was deleted");
            }
            long count = requeue ? broker.requeueDeadLetters(queue) : broker.purgeDeadLetters(queue);
            return result(requeue ? "requeued" : "deleted", count, 0);
        }
        Set<String> ids = new LinkedHashSet<>();
        ids.addAll(form.getOrDefault("id", List.of()));
        ids.addAll(form.getOrDefault("ids", List.of()));
        ids.remove("");
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("name the dead letters: id=<id> (one or more times), ids=<id>..., or all=1");
        }
        if (ids.size() > MAX_IDS) {
            throw new IllegalArgumentException("at most " + MAX_IDS + " ids per action, got " + ids.size() + "; use all=1");
        }
        long count = 0;
        long missing = 0;
        for (String id : ids) {
            boolean done = requeue ? broker.requeueDeadLetter(queue, id) : broker.deleteDeadLetter(queue, id);
            if (done) {
                count++;
            } else {
                missing++;
            }
        }
        return result(requeue ? "requeued" : "deleted", count, missing);
    }

    private static Map<String, Object> result(String done, long count, long missing) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("done", done);
        result.put("count", count);
        result.put("missing", missing);
        return result;
    }
}
