package io.sergeant.it.standalone;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Proves that the repository stands alone: {@code git clone}s the committed repository into an empty
 * temporary folder (nothing beside it, in particular no {@code ../shared}) and builds and runs the codec
 * module's interop tests there, which read Python Sergeant's fixtures from the class path. Runs Maven
 * offline with the enclosing build's Maven and local repository (the enclosing build has already fetched
 * every plugin and dependency). Needs {@code git} and a committed repository; uncommitted changes are not
 * part of the check.
 */
class StandaloneCloneTest {

    private static final List<String> INTEROP_TESTS = List.of("InteropFixturesTest", "MsgpackTaskFastPathTest");
    /**
     * JVM options of the inner Maven and its test fork: a short build on two busy cores spends most of its
     * time in the C2 compiler otherwise (measured 109 s plain, 28 s with these, load 25). They change how
     * fast the build runs, not what it builds or tests.
     */
    private static final String QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @Test
    @DisplayName("a fresh clone in an empty folder builds the codec module and passes its interop tests")
    void freshCloneBuildsTheCodecModule(@TempDir Path empty) throws Exception {
        Path repository = repositoryRoot();
        Path clone = empty.resolve("sergeant");
        run(empty, List.of("git", "clone", "--quiet", "--no-hardlinks", repository.toString(), clone.toString()), Map.of(),
                empty.resolve("clone.log"));
        try (Stream<Path> beside = Files.list(empty)) {
            assertThat(beside.map(p -> p.getFileName().toString()))
                    .as("the clone's folder holds nothing else").containsExactlyInAnyOrder("sergeant", "clone.log");
        }

        List<String> mvn = new ArrayList<>(List.of(maven(), "-B", "-ntp", "-o", "-q",
                "-pl", "sergeant-codec", "-am", "test",
                "-Dtest=" + String.join(",", INTEROP_TESTS), "-Dsurefire.failIfNoSpecifiedTests=false",
                "-DargLine=" + QUICK_JVM));
        String repo = System.getProperty("sergeant.test.maven.repo");
        if (repo != null && !repo.isBlank()) {
            mvn.add("-Dmaven.repo.local=" + repo);
        }
        run(clone, mvn, Map.of("MAVEN_OPTS", (System.getenv().getOrDefault("MAVEN_OPTS", "") + " " + QUICK_JVM).trim()),
                empty.resolve("build.log"));

        Path reports = clone.resolve("sergeant-codec/target/surefire-reports");
        for (String test : INTEROP_TESTS) {
            Path report = reports.resolve("TEST-io.sergeant.codec." + (test.startsWith("Msgpack") ? "msgpack." : "")
                    + test + ".xml");
            assertThat(report).as("surefire report of %s in the clone", test).isRegularFile();
            String xml = Files.readString(report, StandardCharsets.UTF_8);
            assertThat(attribute(xml, "tests")).as("tests run by %s", test).isPositive();
            assertThat(attribute(xml, "failures") + attribute(xml, "errors") + attribute(xml, "skipped"))
                    .as("failures, errors and skips of %s", test).isZero();
        }
    }

    private static int attribute(String xml, String name) {
        Matcher m = Pattern.compile("<testsuite[^>]*\\s" + name + "=\"(\\d+)\"").matcher(xml);
        if (!m.find()) {
            fail("surefire report has no '" + name + "' attribute: " + xml.substring(0, Math.min(400, xml.length())));
        }
        return Integer.parseInt(m.group(1));
    }

    /** The root of the repository this build runs in (it-tests' parent), which must be a git work tree. */
    private static Path repositoryRoot() throws Exception {
        Path moduleDir = Path.of("").toAbsolutePath();
        Path root = moduleDir.getFileName().toString().equals("it-tests") ? moduleDir.getParent() : moduleDir;
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.exists(root.resolve(".git"))) {
            fail("this check clones the repository, but " + root + " is not the root of a git work tree"
                    + " (pom.xml and .git expected); run the build from a git clone");
        }
        return root;
    }

    private static String maven() {
        String home = System.getProperty("sergeant.test.maven.home");
        if (home != null && !home.isBlank()) {
            Path bin = Path.of(home, "bin", "mvn");
            if (Files.isExecutable(bin)) {
                return bin.toString();
            }
        }
        return "mvn";
    }

    private static void run(Path directory, List<String> command, Map<String, String> environment, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(20, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            fail(String.join(" ", command) + " did not finish within 20 minutes; output:\n" + tail(log));
        }
        if (process.exitValue() != 0) {
            fail(String.join(" ", command) + " failed with exit code " + process.exitValue() + " in " + directory
                    + "; output:\n" + tail(log));
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }
}
