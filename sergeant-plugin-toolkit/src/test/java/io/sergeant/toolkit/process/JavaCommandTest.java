package io.sergeant.toolkit.process;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class JavaCommandTest {

    @Test
    @DisplayName("orders java, inherited properties, JVM options, explicit properties, class path, main class, arguments")
    void ordersTheParts(@TempDir Path dir) throws Exception {
        Properties parent = new Properties();
        parent.setProperty("sergeant.config.backend", "sqlite:/tmp/a.db");
        parent.setProperty("logback.configurationFile", "/etc/logback.xml");
        parent.setProperty("user.home", "/root");

        List<String> command = JavaCommand.builder("com.example.Main")
                .inheritFrom(parent)
                .jvmOptions(List.of("-Xmx64m"))
                .systemProperty("sergeant.config.maxTasksPerRun", "7")
                .classpath("/opt/app/lib/*")
                .argumentFileDirectory(dir)
                .arguments(List.of("--worker-class", "com.example.W"))
                .build().command();

        assertThat(command.get(0)).endsWith("java");
        assertThat(command.subList(1, command.size())).containsExactly(
                "-Dlogback.configurationFile=/etc/logback.xml", "@" + dir.resolve("inherited-properties.args"),
                "-Xmx64m", "@" + dir.resolve("settings-properties.args"), "-cp", "/opt/app/lib/*", "com.example.Main",
                "--worker-class", "com.example.W");
        assertThat(Files.readString(dir.resolve("inherited-properties.args"))).isEqualTo("\"-Dsergeant.config.backend=sqlite:/tmp/a.db\"\n");
        assertThat(Files.readString(dir.resolve("settings-properties.args"))).isEqualTo("\"-Dsergeant.config.maxTasksPerRun=7\"\n");
    }

    @Test
    @DisplayName("no sergeant.* property (a backend password) is on the command line; its argument files are owner-only")
    void secretsStayOffTheCommandLine(@TempDir Path dir) throws Exception {
        Properties parent = new Properties();
        parent.setProperty("sergeant.config.backend", "redis://:s3cret@127.0.0.1:6379/0");

        List<String> command = JavaCommand.builder("com.example.Main").inheritFrom(parent)
                .systemProperty("sergeant.config.backend", "redis://:0ther@127.0.0.1:6379/0").classpath("/x")
                .argumentFileDirectory(dir).build().command();

        assertThat(String.join(" ", command)).doesNotContain("s3cret").doesNotContain("0ther").doesNotContain("sergeant.config");
        for (String file : List.of("inherited-properties.args", "settings-properties.args")) {
            assertThat(Files.getPosixFilePermissions(dir.resolve(file)))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    @DisplayName("a property given as private goes to the owner-only argument file whatever its name")
    void privatePropertiesGoToTheArgumentFileWhateverTheirName(@TempDir Path dir) throws Exception {
        List<String> command = JavaCommand.builder("com.example.Main").inheritFrom(new Properties())
                .privateSystemProperty("app.token", "t0ken").systemProperty("app.visible", "yes").classpath("/x")
                .argumentFileDirectory(dir).build().command();

        assertThat(String.join(" ", command)).doesNotContain("t0ken").doesNotContain("app.token").contains("-Dapp.visible=yes");
        assertThat(Files.readString(dir.resolve("settings-properties.args"))).isEqualTo("\"-Dapp.token=t0ken\"\n");
        assertThat(Files.getPosixFilePermissions(dir.resolve("settings-properties.args")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    @DisplayName("a class path too long for one argument goes through an argument file")
    void longClassPathGoesThroughAnArgumentFile(@TempDir Path dir) throws Exception {
        String classpath = "/lib/x.jar:".repeat(JavaCommand.MAX_INLINE_CLASSPATH / 10);

        List<String> command = JavaCommand.builder("com.example.Main").inheritFrom(new Properties())
                .classpath(classpath).argumentFileDirectory(dir).build().command();

        assertThat(command).doesNotContain("-cp").contains("@" + dir.resolve("classpath.args"));
        assertThat(Files.readString(dir.resolve("classpath.args"))).isEqualTo("-cp \"" + classpath + "\"\n");
    }

    @Test
    @DisplayName("a child started from the command runs with the inherited and explicit properties")
    void theCommandStartsAJvm(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("PrintProperty.java");
        Files.writeString(source, "public class PrintProperty { public static void main(String[] a) {"
                + " System.out.print(System.getProperty(\"sergeant.test.value\") + \" \" + a[0]); } }");
        Properties parent = new Properties();
        parent.setProperty("sergeant.test.value", "inherited with \"quotes\", a \\ and spaces");

        List<String> command = JavaCommand.builder(source.toString()).inheritFrom(parent)
                .systemProperty("sergeant.test.other", "x").classpath("").arguments(List.of("argument")).build().command();
        // Source-file mode: java runs PrintProperty.java directly (the -cp "" is harmless).
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());

        assertThat(process.waitFor()).as(output).isZero();
        assertThat(output).isEqualTo("inherited with \"quotes\", a \\ and spaces argument");
    }
}
