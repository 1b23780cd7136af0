package io.sergeant.dashboard;

import java.util.List;
import java.util.Map;

import static io.sergeant.dashboard.Html.escape;
import static io.sergeant.dashboard.Html.segment;

/**
 * Renders the four pages from the models of {@link DashboardData}. Every value that came from the
 * backend (queue names, kwargs, reasons, trace ids, hosts) is HTML-escaped; actions are POST forms
 * carrying the CSRF token, and none is rendered in read-only mode. Stateless.
 */
final class Pages {

    private final String base;
    private final boolean readOnly;

    Pages(String base, boolean readOnly) {
        this.base = base;
        this.readOnly = readOnly;
    }

    /** The overview: every queue with its counts, throughput chart and workers. */
    String overview(Map<String, Object> model) {
        StringBuilder body = new StringBuilder("<h1>Queues</h1><p class=\"muted\">")
                .append(escape(model.get("workersOnline"))).append(" worker(s) online · throughput sampled every ")
                .append(escape(model.get("sampleEverySeconds"))).append(" s</p>");
        List<Map<String, Object>> queues = list(model.get("queues"));
        if (queues.isEmpty()) {
            body.append("<p id=\"no-queues\">No queue holds anything yet.</p>");
        } else {
            body.append("<table id=\"queues\"><thead><tr><th>Queue</th><th>Ready</th><th>Delayed</th><th>In flight</th>")
                    .append("<th>Dead letters</th><th>Workers</th><th>Tasks/min (last minute)</th><th>Throughput</th></tr></thead><tbody>");
            for (Map<String, Object> queue : queues) {
                String name = (String) queue.get("queue");
                body.append("<tr data-queue=\"").append(escape(name)).append("\"><td><a href=\"").append(base)
                        .append("/queues/").append(segment(name)).append("\">").append(escape(name)).append("</a></td>")
                        .append(cell("ready", queue.get("ready"))).append(cell("delayed", queue.get("delayed")))
                        .append(cell("in-flight", queue.get("inFlight")))
                        .append("<td class=\"n\" data-count=\"dead-letters\"><a href=\"").append(base).append("/dead-letters/")
                        .append(segment(name)).append("\">").append(escape(queue.get("deadLetters"))).append("</a></td>")
                        .append(cell("workers", queue.get("workers")))
                        .append("<td class=\"n\">").append(rate(queue.get("perMinuteLastMinute"))).append("</td><td>")
                        .append(Html.chart(list(queue.get("throughputPerMinute")))).append("</td></tr>");
            }
            body.append("</tbody></table>");
        }
        return body.toString();
    }

    /** The queue page: counts, the next tasks, purge. */
    String queue(Map<String, Object> model, String csrf) {
        String name = (String) model.get("queue");
        StringBuilder body = new StringBuilder("<h1>Queue <span id=\"queue-name\">").append(escape(name)).append("</span></h1>");
        body.append("<div class=\"counts\">").append(count("ready", "Ready", model.get("ready")))
                .append(count("delayed", "Delayed", model.get("delayed")))
                .append(count("in-flight", "In flight", model.get("inFlight")))
                .append("<div><a href=\"").append(base).append("/dead-letters/").append(segment(name)).append("\"><b data-count=\"dead-letters\">")
                .append(escape(model.get("deadLetters"))).append("</b>Dead letters</a></div></div>");
        body.append("<h2>Next tasks</h2>");
        if (model.get("tasksUnavailable") != null) {
            body.append("<p class=\"muted\">").append(escape(model.get("tasksUnavailable"))).append("</p>");
        }
        List<Map<String, Object>> tasks = list(model.get("tasks"));
        if (tasks.isEmpty()) {
            body.append("<p id=\"no-tasks\">No task is waiting.</p>");
        } else {
            body.append("<table id=\"tasks\"><thead><tr><th>#</th><th>Kwargs</th><th>Runs</th><th>Trace id</th>")
                    .append("<th>Priority</th><th>Due</th><th>Pushed</th></tr></thead><tbody>");
            int index = 0;
            for (Map<String, Object> task : tasks) {
                body.append("<tr class=\"task\"><td class=\"n\">").append(++index).append("</td><td>").append(kwargs(task))
                        .append("</td><td class=\"n\">").append(text(task.get("runCount"))).append("</td><td><code>")
                        .append(text(task.get("traceId"))).append("</code></td><td>")
                        .append(task.get("priority") == null ? "<span class=\"muted\">–</span>" : escape(task.get("priority")))
                        .append("</td><td>").append(task.get("dueAt") == null ? "ready" : Html.time(task.get("dueAt")))
                        .append("</td><td>").append(Html.time(task.get("date"))).append("</td></tr>");
            }
            body.append("</tbody></table>");
        }
        if (!readOnly) {
            body.append("<h2>Purge</h2><form method=\"post\" id=\"purge\" action=\"").append(base).append("/queues/")
                    .append(segment(name)).append("/purge\" class=\"actions\">").append(csrfField(csrf))
                    .append("<label>Delete every ready and delayed task: type the queue name to confirm ")
                    .append("<input type=\"text\" name=\"confirm\" required autocomplete=\"off\"></label>")
                    .append("<button class=\"danger\" type=\"submit\">Purge</button></form>");
        }
        return body.toString();
    }

    /** The dead-letter page: each letter decoded with its reason; requeue or delete one, a selection or all. */
    String deadLetters(Map<String, Object> model, String csrf) {
        String name = (String) model.get("queue");
        String action = base + "/dead-letters/" + segment(name);
        List<Map<String, Object>> letters = list(model.get("deadLetters"));
        StringBuilder body = new StringBuilder("<h1>Dead letters of <a href=\"").append(base).append("/queues/")
                .append(segment(name)).append("\">").append(escape(name)).append("</a></h1><p class=\"muted\" id=\"total\">")
                .append(escape(model.get("total"))).append(" dead letter(s)")
                .append(letters.size() < ((Number) model.get("total")).longValue() ? ", the oldest " + letters.size() + " shown" : "")
                .append("</p>");
        if (letters.isEmpty()) {
            return body.append("<p id=\"no-dead-letters\">No dead letters.</p>").toString();
        }
        if (!readOnly) {
            body.append("<form method=\"post\" id=\"letters\" action=\"").append(action).append("/requeue\">")
                    .append(csrfField(csrf)).append("<div class=\"actions\">")
                    .append("<button type=\"submit\" id=\"requeue-selected\">Requeue selected</button>")
                    .append("<button type=\"submit\" class=\"danger\" id=\"delete-selected\" formaction=\"").append(action)
                    .append("/delete\">Delete selected</button></div>");
        }
        body.append("<table id=\"dead-letters\"><thead><tr>")
                .append(readOnly ? "" : "<th><input type=\"checkbox\" data-select-all aria-label=\"select all\"></th>")
                .append("<th>Id</th><th>Kwargs</th><th>Reason</th><th>Deliveries</th><th>Dead at</th>")
                .append(readOnly ? "" : "<th></th>").append("</tr></thead><tbody>");
        for (Map<String, Object> letter : letters) {
            String id = String.valueOf(letter.get("id"));
            body.append("<tr class=\"dead-letter\" data-id=\"").append(escape(id)).append("\">");
            if (!readOnly) {
                body.append("<td><input type=\"checkbox\" name=\"ids\" value=\"").append(escape(id)).append("\"></td>");
            }
            body.append("<td><code>").append(escape(id)).append("</code></td><td>").append(kwargs(letter))
                    .append("</td><td><pre>").append(escape(letter.get("reason"))).append("</pre></td><td class=\"n\">")
                    .append(escape(letter.get("deliveryCount"))).append("</td><td>").append(Html.time(letter.get("deadAt")))
                    .append("</td>");
            if (!readOnly) {
                body.append("<td><button type=\"submit\" name=\"id\" value=\"").append(escape(id))
                        .append("\" class=\"requeue-one\">Requeue</button> <button type=\"submit\" name=\"id\" value=\"")
                        .append(escape(id)).append("\" class=\"danger delete-one\" formaction=\"").append(action)
                        .append("/delete\">Delete</button></td>");
            }
            body.append("</tr>");
        }
        body.append("</tbody></table>");
        if (!readOnly) {
            body.append("</form><h2>All</h2><div class=\"actions\"><form method=\"post\" class=\"inline\" id=\"requeue-all\" action=\"")
                    .append(action).append("/requeue\">").append(csrfField(csrf))
                    .append("<input type=\"hidden\" name=\"all\" value=\"1\"><button type=\"submit\">Requeue all</button></form>")
                    .append("<form method=\"post\" class=\"inline\" id=\"delete-all\" action=\"").append(action).append("/delete\">")
                    .append(csrfField(csrf)).append("<input type=\"hidden\" name=\"all\" value=\"1\">")
                    .append("<label>type the queue name to delete all <input type=\"text\" name=\"confirm\" required autocomplete=\"off\"></label> ")
                    .append("<button type=\"submit\" class=\"danger\">Delete all</button></form></div>");
        }
        return body.toString();
    }

    /** The worker registry with running tasks and their age. */
    String workers(Map<String, Object> model) {
        List<Map<String, Object>> workers = list(model.get("workers"));
        StringBuilder body = new StringBuilder("<h1>Workers</h1>");
        if (workers.isEmpty()) {
            return body.append("<p id=\"no-workers\">No worker is alive (none sent a heartbeat within its TTL).</p>").toString();
        }
        body.append("<table id=\"workers\"><thead><tr><th>Queue</th><th>Host:pid</th><th>Executor</th><th>Up</th>")
                .append("<th>Done</th><th>Failed</th><th>RSS</th><th>Version</th><th>Running</th></tr></thead><tbody>");
        for (Map<String, Object> worker : workers) {
            body.append("<tr class=\"worker\"><td><a href=\"").append(base).append("/queues/")
                    .append(segment(String.valueOf(worker.get("queue")))).append("\">").append(escape(worker.get("queue")))
                    .append("</a></td><td>").append(escape(worker.get("host"))).append(':').append(escape(worker.get("pid")))
                    .append("</td><td>").append(escape(worker.get("executor"))).append(" ×").append(escape(worker.get("concurrency")))
                    .append("</td><td>").append(Html.age(((Number) worker.get("uptimeSeconds")).longValue()))
                    .append("</td><td class=\"n\">").append(escape(worker.get("tasksDone"))).append("</td><td class=\"n\">")
                    .append(escape(worker.get("tasksFailed"))).append("</td><td class=\"n\">")
                    .append(worker.get("rssBytes") == null ? "–"
                            : Math.round(((Number) worker.get("rssBytes")).doubleValue() / 1048576) + " MiB")
                    .append("</td><td>").append(escape(worker.get("version"))).append("</td><td>");
            List<Map<String, Object>> running = list(worker.get("running"));
            if (running.isEmpty()) {
                body.append("<span class=\"muted\">idle</span>");
            }
            for (Map<String, Object> task : running) {
                String trace = String.valueOf(task.get("traceId"));
                body.append("<div class=\"running\">").append(trace.isEmpty() ? "a task" : "<code>" + escape(trace) + "</code>")
                        .append(" for ").append(Html.age(((Number) task.get("ageSeconds")).longValue())).append("</div>");
            }
            body.append("</td></tr>");
        }
        return body.append("</tbody></table>").toString();
    }

    private static String kwargs(Map<String, Object> task) {
        if (task.get("error") != null) {
            return "<span class=\"error\">" + escape(task.get("error")) + "</span>";
        }
        if (task.get("kwargsNotLoaded") != null) {
            return "<span class=\"muted kwargs-not-loaded\">" + escape(task.get("kwargsNotLoaded")) + "</span>";
        }
        if (task.get("kwargsPreview") != null) {
            return "<pre class=\"kwargs kwargs-preview\">" + escape(task.get("kwargsPreview")) + "</pre>";
        }
        return "<pre class=\"kwargs\">" + escape(Json.display(task.get("kwargs"))) + "</pre>";
    }

    private static String csrfField(String csrf) {
        return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
    }

    private static String cell(String key, Object value) {
        return "<td class=\"n\" data-count=\"" + key + "\">" + escape(value) + "</td>";
    }

    private static String count(String key, String label, Object value) {
        return "<div><b data-count=\"" + key + "\">" + escape(value) + "</b>" + label + "</div>";
    }

    private static String text(Object value) {
        return value == null ? "" : escape(value);
    }

    private static String rate(Object value) {
        return value == null ? "<span class=\"muted\">–</span>" : String.format(java.util.Locale.ROOT, "%.1f", (Double) value);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object value) {
        return value == null ? List.of() : (List<T>) value;
    }
}
