package io.sergeant.it.hygiene;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation's claims about tests hold (issue 14 item 15: the README said it-tests held the
 * interop tests; it did not): every test class the README, BENCHMARKS.md, docs/*.md and the modules'
 * READMEs name in backticks ({@code `SomethingTest`}, {@code `...Suite`}, {@code `...Scenarios`}) exists,
 * and where the text says which module holds it ({@code `sergeant-codec`'s `PythonInteropTest`}), it is
 * in that module.
 */
class DocumentedTestsExistTest {

    private static final Path ROOT = repositoryRoot();
    private static final Pattern NAMED = Pattern.compile("`([A-Z][A-Za-z0-9]*(?:Test|Tests|Suite|Scenarios))`");
    private static final Pattern IN_MODULE = Pattern.compile(
            "`((?:sergeant-[a-z0-9-]+)|it-tests|examples/[a-z0-9-]+)`'s `([A-Z][A-Za-z0-9]*(?:Test|Suite|Scenarios))`");

    @Test
    @DisplayName("every test class the documentation names exists, in the module the text says")
    void documentedTestsExist() throws IOException {
        List<Path> java = javaFiles();
        List<String> problems = new ArrayList<>();
        int references = 0;
        for (Path doc : documents()) {
            String text = Files.readString(doc);
            references += problems(ROOT.relativize(doc).toString(), text, java, problems);
        }
        assertThat(references).as("test classes named by the documentation (the scan found them)").isGreaterThan(20);
        assertThat(problems).as("documentation naming tests that do not exist where it says").isEmpty();
    }

    @Test
    @DisplayName("the check reports a missing test and a test put in the wrong module")
    void theCheckCanFail() {
        List<Path> java = javaFiles();
        List<String> problems = new ArrayList<>();
        problems("sample.md", "`NoSuchThingAnywhereTest`; `it-tests`'s `PythonInteropTest`",
                java, problems);
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).contains("NoSuchThingAnywhereTest");
        assertThat(problems.get(1)).contains("PythonInteropTest", "it-tests");
    }

    /** Adds the problems of one document to {@code problems}; returns how many test names it holds. */
    private static int problems(String doc, String text, List<Path> java, List<String> problems) {
        int references = 0;
        Matcher named = NAMED.matcher(text);
        while (named.find()) {
            references++;
            String name = named.group(1);
            if (java.stream().noneMatch(file -> file.getFileName().toString().equals(name + ".java"))) {
                problems.add(doc + ": `" + name + "` names no class of the repository");
            }
        }
        Matcher inModule = IN_MODULE.matcher(text);
        while (inModule.find()) {
            String module = inModule.group(1);
            String name = inModule.group(2);
            Path moduleDir = ROOT.resolve(module);
            if (java.stream().noneMatch(file -> file.startsWith(moduleDir) && file.getFileName().toString().equals(name + ".java"))) {
                problems.add(doc + ": `" + name + "` is not in " + module);
            }
        }
        return references;
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("BENCHMARKS.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(module -> module.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(documents::add);
        }
        return documents;
    }

    /** Every .java file of the repository, outside build output and hidden folders. */
    private static List<Path> javaFiles() {
        List<Path> files = new ArrayList<>();
        try {
            Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                    String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                    return !dir.equals(ROOT) && (name.equals("target") || name.startsWith(".") || name.equals("node_modules"))
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (file.toString().endsWith(".java")) {
                        files.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        return dir.getFileName().toString().equals("it-tests") ? dir.getParent() : dir;
    }
}
