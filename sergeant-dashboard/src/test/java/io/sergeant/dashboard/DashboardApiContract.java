package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's JSON API, actions and security over a real backend, through plain HTTP
 * ({@code java.net.http}). Each test works on its own queue; one backend and one dashboard serve the
 * class. Subclasses start the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DashboardApiContract {

    private Broker broker;
    private DashboardServer dashboard;

    /** Opens a broker on a fresh backend of the subclass's kind. */
    abstract Broker openBroker() throws Exception;

    /** Stops what {@link #openBroker} started (after the broker was closed). */
    abstract void stopBackend() throws Exception;

    @BeforeAll
    void start() throws Exception {
        broker = openBroker();
        dashboard = DashboardServer.start(broker, options().build());
    }

    @AfterAll
    void stop() throws Exception {
        if (dashboard != null) {
            dashboard.close();
        }
        if (broker != null) {
            broker.close();
        }
        stopBackend();
    }

    private static DashboardOptions.Builder options() {
        return DashboardOptions.builder().port(0).sampleEvery(Duration.ofMillis(200))
                .backendLabel("redis://user:hunter2@db.internal:6379/0");
    }

    private static String queue() {
        return "q-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private HttpSession session() {
        return new HttpSession(dashboard.url());
    }

    private static Document json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return Document.parse(response.body());
    }

    @SuppressWarnings("unchecked")
    private static List<Document> list(Document document, String key) {
        return (List<Document>) document.get(key);
    }

    @Test
    void overviewCountsEveryQueueAndTheWorkers() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        Fixtures.worker(broker, queue);

        Document overview = json(session().get("/api/queues"));

        Document row = list(overview, "queues").stream().filter(q -> queue.equals(q.getString("queue"))).findFirst()
                .orElseThrow(() -> new AssertionError(queue + " not listed in " + overview.toJson()));
        assertThat(((Number) row.get("ready")).longValue()).isEqualTo(3);
        assertThat(((Number) row.get("delayed")).longValue()).isEqualTo(1);
        assertThat(((Number) row.get("inFlight")).longValue()).isZero();
        assertThat(((Number) row.get("deadLetters")).longValue()).isEqualTo(2);
        assertThat(((Number) row.get("workers")).longValue()).isEqualTo(1);
        assertThat(((Number) overview.get("workersOnline")).longValue()).isGreaterThanOrEqualTo(1);
        assertThat(overview.getString("backend")).doesNotContain("hunter2").contains("***@db.internal");
    }

    @Test
    void queueShowsTheNextTasksDecodedThenTheDelayedOne() {
        String queue = queue();
        Fixtures.fill(broker, queue);

        Document model = json(session().get("/api/queues/" + queue));

        List<Document> tasks = list(model, "tasks");
        assertThat(tasks).hasSize(4);
        assertThat(tasks.get(0).get("kwargs", Document.class).getString("to")).isEqualTo("vip@example.com");
        assertThat(tasks.subList(0, 3)).allSatisfy(task -> assertThat(task.get("dueAt")).isNull());
        assertThat(tasks).anySatisfy(task -> assertThat(task.getString("traceId")).isEqualTo("trace-ann"));
        Document delayed = tasks.get(3);
        assertThat(delayed.get("kwargs", Document.class).getString("to")).isEqualTo("later@example.com");
        assertThat(delayed.getString("dueAt")).isNotNull();
        assertThat(((Number) delayed.get("runCount")).intValue()).isZero();
        assertThat(((Number) model.get("ready")).longValue()).isEqualTo(3);
        assertThat(json(session().get("/api/queues/" + queue + "?limit=2")).getList("tasks", Document.class)).hasSize(2);
    }

    @Test
    void deadLettersAreDecodedAndOneIsRequeuedByItsId() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        HttpSession session = session();

        List<Document> letters = list(json(session.get("/api/dead-letters/" + queue)), "deadLetters");
        assertThat(letters).hasSize(2);
        Document smtp = letters.stream().filter(l -> l.getString("reason").contains("SMTP")).findFirst().orElseThrow();
        assertThat(smtp.get("kwargs", Document.class).getString("to")).isEqualTo("dead@example.com");
        assertThat(smtp.getString("traceId")).isEqualTo("trace-dead");

        Document result = json(session.post("/api/dead-letters/" + queue + "/requeue", "id", smtp.getString("id"),
                "csrf", session.csrf()));

        assertThat(((Number) result.get("count")).longValue()).isEqualTo(1);
        QueueStats stats = broker.stats(queue);
        assertThat(stats.ready()).isEqualTo(4);
        assertThat(stats.deadLetters()).isEqualTo(1);
        assertThat(json(session.get("/api/queues/" + queue)).getList("tasks", Document.class))
                .anySatisfy(task -> assertThat(task.get("kwargs", Document.class).getString("to")).isEqualTo("dead@example.com"));
        // The same id again: already gone, reported as missing, nothing else moves.
        Document again = json(session.post("/api/dead-letters/" + queue + "/requeue", "id", smtp.getString("id"),
                "csrf", session.csrf()));
        assertThat(((Number) again.get("missing")).longValue()).isEqualTo(1);
        assertThat(broker.stats(queue).deadLetters()).isEqualTo(1);
    }

    /** Queue names with characters that mean something in a URL, each with a unique tail. */
    private static List<String> specialQueueNames() {
        String tail = UUID.randomUUID().toString().substring(0, 6);
        return List.of("team/emails-" + tail, "a b+c-" + tail, "100%-" + tail, "q?x=1&y#frag-" + tail, "semi;colon-" + tail,
                "back\\slash-" + tail, "ünïcødé-" + tail, "..-" + tail, "%2F-" + tail, "..");
    }

    @Test
    void queuesWhoseNamesHoldUrlCharactersAreServedByTheApiAndThePagesAndActedOn() {
        HttpSession session = session();
        for (String queue : specialQueueNames()) {
            Fixtures.fill(broker, queue);
            String segment = Html.segment(queue);

            Document model = json(session.get("/api/queues/" + segment));
            assertThat(model.getString("queue")).as(queue).isEqualTo(queue);
            assertThat(((Number) model.get("ready")).longValue()).as(queue).isEqualTo(3);
            List<Document> letters = list(json(session.get("/api/dead-letters/" + segment)), "deadLetters");
            assertThat(letters).as(queue).hasSize(2);
            assertThat(list(json(session.get("/api/queues")), "queues")).as(queue)
                    .anySatisfy(row -> assertThat(row.getString("queue")).isEqualTo(queue));

            HttpResponse<String> page = session.get("/queues/" + segment);
            assertThat(page.statusCode()).as(queue + ": " + page.body()).isEqualTo(200);
            assertThat(page.body()).as(queue).contains(Html.escape(queue)).contains("/dead-letters/" + segment + "\"");
            HttpResponse<String> overview = session.get("/");
            assertThat(overview.body()).as(queue).contains("/queues/" + segment + "\"");
            HttpResponse<String> deadPage = session.get("/dead-letters/" + segment);
            assertThat(deadPage.statusCode()).as(queue + ": " + deadPage.body()).isEqualTo(200);
            assertThat(deadPage.body()).as(queue).contains("action=\"/dead-letters/" + segment + "/requeue\"");

            HttpResponse<String> requeued = session.post("/dead-letters/" + segment + "/requeue", "id",
                    letters.get(0).getString("id"), "csrf", session.csrf());
            assertThat(requeued.statusCode()).as(queue + ": " + requeued.body()).isEqualTo(303);
            assertThat(requeued.headers().firstValue("Location").orElse("")).as(queue)
                    .startsWith("/dead-letters/" + segment + "?done=requeued&n=1");
            assertThat(broker.stats(queue)).as(queue).isEqualTo(new QueueStats(4, 1, 0, 1));
            json(session.post("/api/queues/" + segment + "/purge", "confirm", queue, "csrf", session.csrf()));
            assertThat(broker.stats(queue)).as(queue).isEqualTo(new QueueStats(0, 0, 0, 1));
        }
    }

    @Test
    void deadLettersAreDeletedBySelectionAndAllWithConfirmation() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        Fixtures.deadLetter(broker, queue, Map.of("n", 3L), "third");
        HttpSession session = session();
        List<Document> letters = list(json(session.get("/api/dead-letters/" + queue)), "deadLetters");
        assertThat(letters).hasSize(3);

        Document deleted = json(session.post("/api/dead-letters/" + queue + "/delete", "ids", letters.get(0).getString("id"),
                "ids", letters.get(1).getString("id"), "csrf", session.csrf()));
        assertThat(((Number) deleted.get("count")).longValue()).isEqualTo(2);
        assertThat(broker.stats(queue).deadLetters()).isEqualTo(1);
        assertThat(broker.stats(queue).ready()).isEqualTo(3);

        HttpResponse<String> unconfirmed = session.post("/api/dead-letters/" + queue + "/delete", "all", "1",
                "csrf", session.csrf());
        assertThat(unconfirmed.statusCode()).isEqualTo(400);
        assertThat(broker.stats(queue).deadLetters()).isEqualTo(1);

        json(session.post("/api/dead-letters/" + queue + "/delete", "all", "1", "confirm", queue, "csrf", session.csrf()));
        assertThat(broker.stats(queue).deadLetters()).isZero();
    }

    @Test
    void requeueAllMovesEveryDeadLetterBack() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        HttpSession session = session();

        Document result = json(session.post("/api/dead-letters/" + queue + "/requeue", "all", "1", "csrf", session.csrf()));

        assertThat(((Number) result.get("count")).longValue()).isEqualTo(2);
        assertThat(broker.stats(queue)).isEqualTo(new QueueStats(5, 1, 0, 0));
    }

    @Test
    void purgeNeedsTheQueueNameAsConfirmation() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        HttpSession session = session();

        HttpResponse<String> wrong = session.post("/api/queues/" + queue + "/purge", "confirm", "other", "csrf", session.csrf());
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("confirm=");
        assertThat(broker.stats(queue).ready()).isEqualTo(3);

        json(session.post("/api/queues/" + queue + "/purge", "confirm", queue, "csrf", session.csrf()));
        assertThat(broker.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 2));
    }

    @Test
    void anActionWithoutAValidCsrfTokenIsRefusedAndChangesNothing() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        HttpSession session = session();
        String token = session.csrf();

        HttpResponse<String> none = session.post("/api/queues/" + queue + "/purge", "confirm", queue);
        HttpResponse<String> forged = session.post("/api/queues/" + queue + "/purge", "confirm", queue,
                "csrf", "0".repeat(64));
        // A token from another session (another cookie) does not fit this session's cookie.
        HttpResponse<String> foreign = session().post("/api/queues/" + queue + "/purge", "confirm", queue, "csrf", token);
        HttpResponse<String> viaGet = session.get("/queues/" + queue + "/purge?confirm=" + queue + "&csrf=" + token);

        assertThat(List.of(none.statusCode(), forged.statusCode(), foreign.statusCode())).containsOnly(403);
        assertThat(none.body()).contains("CSRF");
        assertThat(viaGet.statusCode()).isEqualTo(404);
        assertThat(broker.stats(queue).ready()).isEqualTo(3);
        // The header form works with the session's own token.
        assertThat(session.with("X-CSRF-Token", token).post("/api/queues/" + queue + "/purge", "confirm", queue)
                .statusCode()).isEqualTo(200);
        assertThat(broker.stats(queue).ready()).isZero();
    }

    @Test
    void readOnlyRefusesEveryActionAndRendersNone() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        try (DashboardServer readOnly = DashboardServer.start(broker, options().readOnly(true).build())) {
            HttpSession session = new HttpSession(readOnly.url());
            String token = session.csrf();

            HttpResponse<String> purge = session.post("/api/queues/" + queue + "/purge", "confirm", queue, "csrf", token);
            HttpResponse<String> requeue = session.post("/dead-letters/" + queue + "/requeue", "all", "1", "csrf", token);
            String deadPage = session.get("/dead-letters/" + queue).body();
            String queuePage = session.get("/queues/" + queue).body();

            assertThat(purge.statusCode()).isEqualTo(403);
            assertThat(requeue.statusCode()).isEqualTo(403);
            assertThat(broker.stats(queue)).isEqualTo(new QueueStats(3, 1, 0, 2));
            assertThat(deadPage).contains("dead@example.com").doesNotContain("<form").doesNotContain("<button");
            assertThat(queuePage).contains("vip@example.com").doesNotContain("<form").contains("read-only");
        }
    }

    @Test
    void aTokenIsNeededWhenConfigured() {
        try (DashboardServer guarded = DashboardServer.start(broker, options().token("s3cret-token").build())) {
            assertThat(new HttpSession(guarded.url()).get("/api/queues").statusCode()).isEqualTo(401);
            assertThat(new HttpSession(guarded.url()).get("/").statusCode()).isEqualTo(401);
            assertThat(new HttpSession(guarded.url()).with("Authorization", "Bearer wrong").get("/api/workers")
                    .statusCode()).isEqualTo(401);
            assertThat(new HttpSession(guarded.url()).with("Authorization", "Bearer s3cret-token").get("/api/workers")
                    .statusCode()).isEqualTo(200);

            // A browser: ?token= once, then the cookie carries it; the token leaves the address bar.
            HttpSession browser = new HttpSession(guarded.url());
            HttpResponse<String> first = browser.get("/workers?token=s3cret-token");
            assertThat(first.statusCode()).isEqualTo(303);
            assertThat(first.headers().firstValue("Location").orElseThrow()).isEqualTo("/workers");
            assertThat(browser.get("/workers").statusCode()).isEqualTo(200);
            assertThat(browser.get("/workers").body()).doesNotContain("s3cret-token");
        }
    }

    @Test
    void aBasePathPrefixesEveryLinkAndRequestsWorkWithOrWithoutIt() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        try (DashboardServer proxied = DashboardServer.start(broker, options().basePath("/ops/sergeant/").build())) {
            assertThat(proxied.url()).endsWith("/ops/sergeant/");
            String root = proxied.url().substring(0, proxied.url().length() - "ops/sergeant/".length());
            HttpSession kept = new HttpSession(proxied.url());
            HttpSession stripped = new HttpSession(root);
            String page = kept.get("/").body();
            assertThat(page).contains("href=\"/ops/sergeant/queues/" + queue + "\"")
                    .contains("href=\"/ops/sergeant/workers\"").doesNotContain("href=\"/queues/");
            assertThat(stripped.get("/queues/" + queue).body()).contains("action=\"/ops/sergeant/queues/" + queue + "/purge\"");
            HttpResponse<String> redirect = kept.post("/dead-letters/" + queue + "/requeue", "all", "1", "csrf", kept.csrf());
            assertThat(redirect.headers().firstValue("Location").orElseThrow())
                    .startsWith("/ops/sergeant/dead-letters/" + queue + "?done=requeued");
            assertThat(broker.stats(queue).deadLetters()).isZero();
        }
    }

    @Test
    void basicAuthIsNeededWhenConfigured() {
        try (DashboardServer guarded = DashboardServer.start(broker, options().basicAuth("admin:pa:ss").build())) {
            HttpResponse<String> anonymous = new HttpSession(guarded.url()).get("/");
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic");
            String good = java.util.Base64.getEncoder().encodeToString("admin:pa:ss".getBytes());
            String bad = java.util.Base64.getEncoder().encodeToString("admin:nope".getBytes());
            assertThat(new HttpSession(guarded.url()).with("Authorization", "Basic " + bad).get("/").statusCode())
                    .isEqualTo(401);
            assertThat(new HttpSession(guarded.url()).with("Authorization", "Basic " + good).get("/").statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void taskDataAndReasonsAreEscapedOnEveryPage() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        broker.pushTask(queue, Map.of("html", Fixtures.HOSTILE));
        Fixtures.worker(broker, queue);
        HttpSession session = session();

        for (String page : List.of("/", "/queues/" + queue, "/dead-letters/" + queue, "/workers")) {
            HttpResponse<String> response = session.get(page);
            assertThat(response.statusCode()).as(page).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'");
            assertThat(response.body()).as(page).doesNotContain("<script>alert").doesNotContain("hunter2")
                    .doesNotContain("src=\"http").doesNotContain("href=\"http");
        }
        assertThat(session.get("/queues/" + queue).body()).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assertThat(session.get("/dead-letters/" + queue).body()).contains("poison: &lt;script&gt;");
        assertThat(session.get("/api/dead-letters/" + queue).body()).doesNotContain("<script>").contains("\\u003cscript\\u003e");
    }

    @Test
    void workersListTheRegistryWithRunningTasksAndTheirAge() {
        String queue = queue();
        Fixtures.worker(broker, queue);

        List<Document> workers = list(json(session().get("/api/workers")), "workers");

        Document worker = workers.stream().filter(w -> queue.equals(w.getString("queue"))).findFirst().orElseThrow();
        assertThat(worker.getString("host")).isEqualTo("host-a");
        assertThat(((Number) worker.get("tasksDone")).longValue()).isEqualTo(17);
        Document running = worker.getList("running", Document.class).get(0);
        assertThat(running.getString("traceId")).isEqualTo("trace-running");
        assertThat(((Number) running.get("ageSeconds")).longValue()).isBetween(59L, 600L);
        assertThat(session().get("/workers").body()).contains("trace-running").contains(queue);
    }

    @Test
    void throughputIsSampledFromTheWorkersCounters() throws Exception {
        String queue = queue();
        broker.pushTask(queue, Map.of("n", 1L));
        long done = 0;
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(20);
        double best = 0;
        while (best <= 0 && java.time.Instant.now().isBefore(deadline)) {
            done += 30;
            Fixtures.worker(broker, queue, done);
            Thread.sleep(250);
            Document row = list(json(session().get("/api/queues")), "queues").stream()
                    .filter(q -> queue.equals(q.getString("queue"))).findFirst().orElseThrow();
            @SuppressWarnings("unchecked")
            List<Number> points = (List<Number>) row.get("throughputPerMinute");
            best = points.stream().mapToDouble(Number::doubleValue).max().orElse(0);
        }
        assertThat(best).as("tasks per minute sampled while the worker's done counter grew").isPositive();
        assertThat(session().get("/").body()).contains("<polyline");
    }

    @Test
    void unknownRoutesAnswer404AndAFormActionRedirectsBackToItsPage() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        HttpSession session = session();
        assertThat(session.get("/api/nothing").statusCode()).isEqualTo(404);
        assertThat(session.get("/nothing/here").statusCode()).isEqualTo(404);

        HttpResponse<String> redirect = session.post("/dead-letters/" + queue + "/requeue", "all", "1", "csrf", session.csrf());

        assertThat(redirect.statusCode()).isEqualTo(303);
        assertThat(redirect.headers().firstValue("Location").orElseThrow()).startsWith("/dead-letters/" + queue + "?done=requeued");
        assertThat(session.get(redirect.headers().firstValue("Location").orElseThrow()).body())
                .contains("Requeued 2 dead letter(s).");
    }

    /**
     * Issue 13 §3: the dead-letter page and its API read from the backend only the payloads whose kwargs
     * they show (up to the kwargs cap, 1 MiB by default) and send no kwargs whole that are longer than a
     * preview. Eight letters of 2 MiB (listed with their size, never read), two with a kwarg of 300,000
     * characters (read, sent as a preview) and a small one (sent whole). What the backend served is
     * measured as this JVM's read bytes ({@code rchar} of {@code /proc/self/io}): the store's replies reach
     * the backend client here (SQLite file reads, Redis and MongoDB socket reads), as does the HTTP answer.
     */
    @Test
    void deadLetterPagesReadOnlyThePayloadsTheyShowAndSendBoundedKwargs() throws Exception {
        String queue = queue();
        int big = 2 << 20;
        Fixtures.deadLetter(broker, queue, Map.of("to", "small@example.com"), "small");
        for (int i = 0; i < 2; i++) {
            Fixtures.deadLetter(broker, queue, Map.of("blob", randomText(300_000, i)), "long kwargs " + i);
        }
        for (int i = 0; i < 8; i++) {
            byte[] payload = new byte[big];
            new java.util.Random(i).nextBytes(payload);
            Fixtures.deadLetter(broker, queue, payload, "too big " + i);
        }
        HttpSession session = session();
        session.get("/api/dead-letters/" + queue() + "?limit=1"); // loads the classes a first listing needs
        session.get("/dead-letters/" + queue() + "?limit=1");

        long before = bytesRead();
        HttpResponse<String> api = session.get("/api/dead-letters/" + queue);
        long apiCost = bytesRead() - before;
        before = bytesRead();
        HttpResponse<String> page = session.get("/dead-letters/" + queue);
        long pageCost = bytesRead() - before;

        List<Document> letters = list(json(api), "deadLetters");
        assertThat(letters).hasSize(11);
        java.util.function.Function<String, List<Document>> byReason = prefix -> letters.stream()
                .filter(letter -> letter.getString("reason").startsWith(prefix)).toList();
        assertThat(byReason.apply("small")).singleElement()
                .satisfies(letter -> assertThat(letter.get("kwargs", Document.class).getString("to")).isEqualTo("small@example.com"));
        assertThat(byReason.apply("long kwargs")).hasSize(2);
        assertThat(byReason.apply("too big")).hasSize(8);
        long shownBytes = 0;
        for (Document letter : byReason.apply("long kwargs")) {
            assertThat(letter.get("kwargs")).as("kwargs of 300,000 characters are not sent whole").isNull();
            assertThat(letter.getString("kwargsPreview")).startsWith("{\"blob\":\"").endsWith("characters in all)")
                    .hasSizeLessThan(DashboardData.KWARGS_MAX_CHARS + 100);
            assertThat(letter.getString("traceId")).isEqualTo("trace-dead");
            shownBytes += ((Number) letter.get("payloadBytes")).longValue();
        }
        assertThat(byReason.apply("too big")).allSatisfy(letter -> {
            assertThat(((Number) letter.get("payloadBytes")).longValue()).isEqualTo(big);
            assertThat(letter.get("kwargs")).isNull();
            assertThat(letter.getString("kwargsNotLoaded")).contains("2,097,152 bytes is over the dashboard's kwargs cap of 1,048,576");
        });
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("small@example.com").contains("characters in all)");
        assertThat(page.body().split("class=\"muted kwargs-not-loaded\"", -1)).hasSize(9);
        assertThat(api.body().length()).as("the API answer's length").isLessThan(256 << 10);
        assertThat(page.body().length()).as("the page's length").isLessThan(256 << 10);
        assertThat(apiCost).as("bytes read to answer: the two payloads shown (%d bytes) and the answer, none of 2 MiB",
                shownBytes).isLessThan(shownBytes + (1 << 20));
        assertThat(pageCost).as("bytes read to render the page: the two payloads shown (%d bytes) and the page, none of 2 MiB",
                shownBytes).isLessThan(shownBytes + (1 << 20));
    }

    @Test
    void aKwargsCapOfZeroListsDeadLettersWithoutReadingAPayload() {
        String queue = queue();
        Fixtures.fill(broker, queue);
        try (DashboardServer sizesOnly = DashboardServer.start(broker, options().kwargsMaxBytes(0).build())) {
            HttpSession session = new HttpSession(sizesOnly.url());

            List<Document> letters = list(json(session.get("/api/dead-letters/" + queue)), "deadLetters");

            assertThat(letters).hasSize(2).allSatisfy(letter -> {
                assertThat(letter.get("kwargs")).isNull();
                assertThat(letter.get("traceId")).isNull();
                assertThat(((Number) letter.get("payloadBytes")).longValue()).isPositive();
                assertThat(letter.getString("kwargsNotLoaded")).contains("over the dashboard's kwargs cap of 0 bytes");
            });
            assertThat(session.get("/dead-letters/" + queue).body()).contains("poison: SMTP refused 5 times")
                    .doesNotContain("dead@example.com");
        }
    }

    @Test
    void aLimitParameterCannotListMoreThanTheCap() {
        String queue = queue();
        int stored = DashboardData.MAX_LIMIT + 5;
        for (int i = 0; i < stored; i++) {
            Fixtures.deadLetter(broker, queue, new byte[] {(byte) i}, "r" + i);
            broker.pushTask(queue, Map.of("n", (long) i));
        }
        HttpSession session = session();

        Document letters = json(session.get("/api/dead-letters/" + queue + "?limit=1000000"));
        Document tasks = json(session.get("/api/queues/" + queue + "?limit=" + Integer.MAX_VALUE));

        assertThat(((Number) letters.get("total")).longValue()).isEqualTo(stored);
        assertThat(list(letters, "deadLetters")).hasSize(DashboardData.MAX_LIMIT);
        assertThat(list(tasks, "tasks")).hasSize(DashboardData.MAX_LIMIT);
        assertThat(session.get("/dead-letters/" + queue + "?limit=1000000").body().split("class=\"dead-letter\"", -1))
                .hasSize(DashboardData.MAX_LIMIT + 1);
        assertThat(list(json(session.get("/api/dead-letters/" + queue + "?limit=99999999999")), "deadLetters"))
                .hasSize(DashboardData.MAX_LIMIT);
        assertThat(session.get("/api/dead-letters/" + queue + "?limit=lots").statusCode()).isEqualTo(400);
        assertThat(list(json(session.get("/api/dead-letters/" + queue + "?limit=-3")), "deadLetters")).hasSize(1);
    }

    /**
     * Issue 13 §3, the queue page's side of the dead-letter page's bound: the queue page and its API read
     * from the backend only the payloads whose kwargs they show (up to the kwargs cap) and send no kwargs
     * whole that are longer than a preview. Eight waiting tasks of 2 MiB (listed with their size, never
     * read), two with a kwarg of 300,000 characters (read, sent as a preview), a small one (sent whole).
     * Bytes read measured as in {@link #deadLetterPagesReadOnlyThePayloadsTheyShowAndSendBoundedKwargs}.
     */
    @Test
    void queuePagesReadOnlyThePayloadsTheyShowAndSendBoundedKwargs() throws Exception {
        String queue = queue();
        int big = 2 << 20;
        broker.pushTask(queue, Map.of("to", "small@example.com"));
        for (int i = 0; i < 2; i++) {
            broker.pushTask(queue, Map.of("blob", randomText(300_000, i)));
        }
        for (int i = 0; i < 8; i++) {
            byte[] payload = new byte[big];
            new java.util.Random(i).nextBytes(payload);
            Fixtures.pushRaw(broker, queue, payload);
        }
        HttpSession session = session();
        session.get("/api/queues/" + queue() + "?limit=1"); // loads the classes a first listing needs
        session.get("/queues/" + queue() + "?limit=1");

        long before = bytesRead();
        HttpResponse<String> api = session.get("/api/queues/" + queue + "?limit=500");
        long apiCost = bytesRead() - before;
        before = bytesRead();
        HttpResponse<String> page = session.get("/queues/" + queue + "?limit=500");
        long pageCost = bytesRead() - before;
        System.out.printf("queue page (%s): API answer %,d chars, page %,d chars, read %,d and %,d bytes%n",
                getClass().getSimpleName(), api.body().length(), page.body().length(), apiCost, pageCost);

        List<Document> tasks = list(json(api), "tasks");
        assertThat(tasks).hasSize(11);
        assertThat(tasks).filteredOn(task -> task.get("kwargs") != null).singleElement()
                .satisfies(task -> assertThat(task.get("kwargs", Document.class).getString("to")).isEqualTo("small@example.com"));
        List<Document> previews = tasks.stream().filter(task -> task.get("kwargsPreview") != null).toList();
        assertThat(previews).hasSize(2);
        long shownBytes = 0;
        for (Document task : previews) {
            assertThat(task.getString("kwargsPreview")).startsWith("{\"blob\":\"").endsWith("characters in all)")
                    .hasSizeLessThan(DashboardData.KWARGS_MAX_CHARS + 100);
            shownBytes += ((Number) task.get("payloadBytes")).longValue();
        }
        List<Document> notLoaded = tasks.stream().filter(task -> task.get("kwargsNotLoaded") != null).toList();
        assertThat(notLoaded).hasSize(8).allSatisfy(task -> {
            assertThat(((Number) task.get("payloadBytes")).longValue()).isEqualTo(big);
            assertThat(task.get("kwargs")).isNull();
            assertThat(task.get("error")).isNull();
            assertThat(task.getString("kwargsNotLoaded")).contains("2,097,152 bytes is over the dashboard's kwargs cap of 1,048,576");
        });
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("small@example.com").contains("characters in all)");
        assertThat(page.body().split("class=\"muted kwargs-not-loaded\"", -1)).hasSize(9);
        assertThat(api.body().length()).as("the API answer's length").isLessThan(256 << 10);
        assertThat(page.body().length()).as("the page's length").isLessThan(256 << 10);
        assertThat(apiCost).as("bytes read to answer: the two payloads shown (%d bytes) and the answer, none of 2 MiB",
                shownBytes).isLessThan(shownBytes + (1 << 20));
        assertThat(pageCost).as("bytes read to render the page: the two payloads shown (%d bytes) and the page, none of 2 MiB",
                shownBytes).isLessThan(shownBytes + (1 << 20));
    }

    /**
     * A queue page reads at most {@link DashboardData#PAYLOAD_BUDGET_BYTES} of payloads: eighteen waiting
     * tasks of 1,000,000 bytes (each under the cap), the first sixteen read, the last two listed by size
     * with the reason; with a cap of 0 none is read.
     */
    @Test
    void aQueuePageStopsReadingPayloadsAtItsBudget() throws Exception {
        String queue = queue();
        for (int i = 0; i < 18; i++) {
            byte[] payload = new byte[1_000_000];
            new java.util.Random(i).nextBytes(payload);
            Fixtures.pushRaw(broker, queue, payload);
        }
        HttpSession session = session();
        // Loads the classes a first listing with undecodable payloads needs: their jars' bytes count in rchar
        // too (a run read 1.15 MB besides the payloads, over the 1 MiB allowed, without this).
        session.get("/api/queues/" + queue + "?limit=1");

        long before = bytesRead();
        List<Document> tasks = list(json(session.get("/api/queues/" + queue + "?limit=500")), "tasks");
        long cost = bytesRead() - before;
        System.out.printf("queue page budget (%s): read %,d bytes%n", getClass().getSimpleName(), cost);

        assertThat(tasks).hasSize(18);
        assertThat(tasks.subList(0, 16)).allSatisfy(task -> {
            assertThat(task.get("kwargsNotLoaded")).isNull();
            assertThat(task.getString("error")).startsWith("undecodable");
        });
        assertThat(tasks.subList(16, 18)).allSatisfy(task -> {
            assertThat(task.get("error")).isNull();
            assertThat(task.getString("kwargsNotLoaded")).contains("this page already reads 16,000,000 bytes of payloads");
        });
        assertThat(cost).as("bytes read: the 16 payloads shown and the answer").isLessThan(16_000_000L + (1 << 20));
        try (DashboardServer sizesOnly = DashboardServer.start(broker, options().kwargsMaxBytes(0).build())) {
            HttpSession zero = new HttpSession(sizesOnly.url());
            before = bytesRead();
            List<Document> listed = list(json(zero.get("/api/queues/" + queue)), "tasks");
            cost = bytesRead() - before;
            assertThat(listed).hasSize(18).allSatisfy(task -> assertThat(task.getString("kwargsNotLoaded"))
                    .contains("over the dashboard's kwargs cap of 0 bytes"));
            assertThat(cost).as("bytes read with a cap of 0").isLessThan(1 << 20);
        }
    }

    private static String randomText(int length, long seed) {
        java.util.Random random = new java.util.Random(seed);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    /** The bytes this JVM has read so far ({@code rchar} of {@code /proc/self/io}). */
    private static long bytesRead() throws java.io.IOException {
        return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/io")).stream()
                .filter(line -> line.startsWith("rchar:")).mapToLong(line -> Long.parseLong(line.substring(6).trim()))
                .findFirst().orElseThrow();
    }
}
