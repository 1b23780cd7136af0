package io.sergeant.dashboard;

import io.sergeant.api.Broker;
import io.sergeant.api.QueueStats;
import io.sergeant.api.WorkerStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dashboard in a real browser over a real backend: one Chromium session per class walks the pages,
 * checks the counts, requeues a dead letter with a click and sees it back in ready, deletes a selection,
 * purges with confirmation, and saves a screenshot of the overview to {@code target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DashboardBrowserContract {

    private Broker broker;
    private DashboardServer dashboard;
    private WebDriver browser;

    /** Opens a broker on a fresh backend of the subclass's kind. */
    abstract Broker openBroker() throws Exception;

    /** Stops what {@link #openBroker} started (after the broker was closed). */
    abstract void stopBackend() throws Exception;

    /** The backend URI the pages show (masked by the dashboard). */
    abstract String backendLabel();

    @BeforeAll
    void start() throws Exception {
        broker = openBroker();
        dashboard = DashboardServer.start(broker, DashboardOptions.builder().port(0).sampleEvery(Duration.ofMillis(250))
                .samplesKept(24).backendLabel(backendLabel()).build());
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (dashboard != null) {
            dashboard.close();
        }
        if (broker != null) {
            broker.close();
        }
        stopBackend();
    }

    private void open(String path) {
        browser.get(dashboard.url() + path.substring(1));
    }

    private String count(WebElement scope, String key) {
        return scope.findElement(By.cssSelector("[data-count='" + key + "']")).getText().trim();
    }

    @Test
    void walkThePagesRequeueADeadLetterWithAClickAndPurge() throws Exception {
        String queue = "emails";
        Fixtures.fill(broker, queue);
        Fixtures.fill(broker, "reports");
        broker.pushTask(queue, java.util.Map.of("html", Fixtures.HOSTILE));
        workSomeTasks(queue);

        // Overview: every queue with its counts, the workers online, the masked backend.
        open("/");
        WebElement row = browser.findElement(By.cssSelector("#queues tr[data-queue='emails']"));
        assertThat(count(row, "ready")).isEqualTo("4");
        assertThat(count(row, "delayed")).isEqualTo("1");
        assertThat(count(row, "in-flight")).isEqualTo("0");
        assertThat(count(row, "dead-letters")).isEqualTo("2");
        assertThat(count(row, "workers")).isEqualTo("1");
        assertThat(row.findElements(By.cssSelector("svg.chart polyline"))).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("#queues tr[data-queue='reports']"))).hasSize(1);
        assertThat(browser.findElement(By.id("backend")).getText()).doesNotContain("hunter2");
        screenshot("dashboard-" + getClass().getSimpleName());

        // Queue: the next tasks decoded, HIGH first, the hostile kwarg shown as text and never run.
        clickAndLoad(row.findElement(By.linkText(queue)));
        assertThat(browser.findElement(By.id("queue-name")).getText()).isEqualTo(queue);
        List<WebElement> tasks = browser.findElements(By.cssSelector("#tasks tr.task"));
        assertThat(tasks).hasSize(5);
        assertThat(tasks.get(0).getText()).contains("vip@example.com");
        assertThat(browser.findElement(By.id("tasks")).getText()).contains(Fixtures.HOSTILE).contains("trace-ann");
        assertThat(tasks.get(4).getText()).contains("later@example.com").contains("in ");
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

        // Dead letters: decoded, with reasons; requeue the SMTP one with a click.
        clickAndLoad(browser.findElement(By.cssSelector(".counts a[href*='dead-letters']")));
        List<WebElement> letters = browser.findElements(By.cssSelector("#dead-letters tr.dead-letter"));
        assertThat(letters).hasSize(2);
        WebElement smtp = letters.stream().filter(l -> l.getText().contains("SMTP refused")).findFirst().orElseThrow();
        assertThat(smtp.getText()).contains("dead@example.com");
        assertThat(browser.findElement(By.id("dead-letters")).getText()).contains("poison: " + Fixtures.HOSTILE);
        clickAndLoad(smtp.findElement(By.cssSelector("button.requeue-one")));
        assertThat(browser.findElement(By.id("notice")).getText()).isEqualTo("Requeued 1 dead letter(s).");
        assertThat(browser.findElements(By.cssSelector("#dead-letters tr.dead-letter"))).hasSize(1);

        // ...and it is back in ready.
        open("/queues/" + queue);
        assertThat(count(browser.findElement(By.cssSelector(".counts")), "ready")).isEqualTo("5");
        assertThat(browser.findElement(By.id("tasks")).getText()).contains("dead@example.com");
        assertThat(broker.stats(queue)).isEqualTo(new QueueStats(5, 1, 0, 1));

        // Delete a selection (the remaining letter) with its checkbox.
        open("/dead-letters/" + queue);
        browser.findElement(By.cssSelector("#dead-letters input[name=ids]")).click();
        clickAndLoad(browser.findElement(By.id("delete-selected")));
        assertThat(browser.findElement(By.id("notice")).getText()).isEqualTo("Deleted 1 dead letter(s).");
        assertThat(browser.findElements(By.id("no-dead-letters"))).hasSize(1);

        // Purge needs the queue's name typed in.
        open("/queues/" + queue);
        browser.findElement(By.cssSelector("#purge input[name=confirm]")).sendKeys("wrong");
        clickAndLoad(browser.findElement(By.cssSelector("#purge button")));
        assertThat(browser.findElement(By.id("error")).getText()).contains("confirm=");
        assertThat(broker.stats(queue).ready()).isEqualTo(5);
        open("/queues/" + queue);
        browser.findElement(By.cssSelector("#purge input[name=confirm]")).sendKeys(queue);
        clickAndLoad(browser.findElement(By.cssSelector("#purge button")));
        assertThat(browser.findElement(By.id("notice")).getText()).contains("Purged");
        assertThat(count(browser.findElement(By.cssSelector(".counts")), "ready")).isEqualTo("0");
        assertThat(broker.stats(queue)).isEqualTo(new QueueStats(0, 0, 0, 0));

        // Workers: the registry with the running task and its age.
        open("/workers");
        WebElement worker = browser.findElement(By.cssSelector("#workers tr.worker"));
        assertThat(worker.getText()).contains(queue).contains("host-a:4242").contains("trace-running");
    }

    /**
     * A worker record whose done counter grows across a few samples, as a busy worker's heartbeats do,
     * so that the overview's chart has points to draw.
     */
    private void workSomeTasks(String queue) throws InterruptedException {
        Instant started = Instant.now().minus(Duration.ofMinutes(5));
        long done = 100;
        for (int beat = 0; beat < 10; beat++) {
            done += 40 + (beat % 4) * 25;
            Instant now = Instant.now();
            WorkerStatus status = new WorkerStatus("host-a:4242:" + queue + ":x1", "host-a", 4242, queue, "thread", 4,
                    started, now, done, 2,
                    List.of(new WorkerStatus.RunningTask("", "trace-running", now.minus(Duration.ofSeconds(42)))),
                    96L << 20, "0.1.0");
            ((io.sergeant.core.internal.broker.DefaultBroker) broker).backend().monitoringRole().orElseThrow()
                    .heartbeat(status.id(), status.encode(), Duration.ofMinutes(2));
            Thread.sleep(260);
        }
    }

    private void screenshot(String name) throws Exception {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    /**
     * Clicks a link or a form's button and returns once the browser shows a new, fully loaded page: a click
     * returns as soon as the event is dispatched, so without this the next lookup can still read the old page
     * (seen on CI). The old page is marked with a window property, which the new document does not have; while
     * the page is being replaced chromedriver may answer any call with an error (a stale element, or "Node with
     * given id does not belong to the document", seen on CI), so errors while polling mean "ask again".
     */
    private void clickAndLoad(WebElement element) {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        js.executeScript("window.__sergeantOldPage = true;");
        element.click();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        WebDriverException last = null;
        while (true) {
            try {
                Object loaded = js.executeScript(
                        "return window.__sergeantOldPage === undefined && document.readyState === 'complete';");
                if (Boolean.TRUE.equals(loaded)) {
                    return;
                }
            } catch (WebDriverException navigating) {
                last = navigating;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the page did not change within 30 s of the click", last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the page", e);
            }
        }
    }
}
