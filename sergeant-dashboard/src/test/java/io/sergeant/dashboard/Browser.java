package io.sergeant.dashboard;

import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (packages {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs). Nothing is downloaded: both binaries must be
 * on this machine. When they are missing the test fails naming the packages; a developer can skip the
 * browser tests explicitly with {@code -Dsergeant.skipBrowserTests=true} (reported as skipped).
 */
final class Browser {

    static final Path CHROMIUM = Path.of(System.getProperty("sergeant.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("sergeant.chromedriver", "/usr/bin/chromedriver"));

    private Browser() {
    }

    /** A new headless session, 1280x900; the caller quits it. */
    static WebDriver start() throws IOException {
        assumeFalse(Boolean.getBoolean("sergeant.skipBrowserTests"), "browser tests skipped by -Dsergeant.skipBrowserTests=true");
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("the dashboard's browser tests need Debian's headless Chromium and its driver at " + CHROMIUM + " and "
                    + CHROMEDRIVER + ": install them with 'apt-get install -y chromium chromium-driver' (.ci/run does),"
                    + " point -Dsergeant.chromium / -Dsergeant.chromedriver at them, or skip these tests explicitly with"
                    + " -Dsergeant.skipBrowserTests=true");
        }
        Path profile = Files.createTempDirectory("dashboard-chromium");
        profile.toFile().deleteOnExit();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return driver;
    }
}
