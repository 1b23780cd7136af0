package io.sergeant.it.release;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards what Maven Central and a legal review need and what {@code mvn -P release package} builds
 * (docs/releasing.md): the licence files, the metadata of every published pom, and a release profile
 * that attaches sources and javadoc and signs. Reads the poms as written, so a new module that
 * forgets its name or description, or a published module without a parent that forgets the metadata,
 * fails here.
 */
class ReleaseReadinessTest {

    /** Modules that are never published; every other module of the root pom is. */
    private static final Set<String> UNPUBLISHED = Set.of("sergeant-benchmarks", "sergeant-backend-redis-compat", "it-tests", "examples");

    private static final Path ROOT = repositoryRoot();

    @Test
    @DisplayName("LICENSE is the Apache-2.0 text and NOTICE names the project")
    void licenceFiles() throws Exception {
        String licence = Files.readString(ROOT.resolve("LICENSE"), StandardCharsets.UTF_8);
        assertThat(licence).contains("Apache License").contains("Version 2.0, January 2004")
                .contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION")
                .contains("END OF TERMS AND CONDITIONS");
        assertThat(licence.length()).isGreaterThan(10_000);
        assertThat(Files.readString(ROOT.resolve("NOTICE"), StandardCharsets.UTF_8))
                .contains("Sergeant for Java").contains("Apache License, Version 2.0");
    }

    @Test
    @DisplayName("the root pom carries url, licence, developers and scm, which children inherit unchanged")
    void rootMetadata() throws Exception {
        Element root = pom(ROOT.resolve("pom.xml"));
        assertCentralMetadata("root pom", root);
        assertThat(root.getAttribute("child.project.url.inherit.append.path")).isEqualTo("false");
        Element scm = child(root, "scm");
        assertThat(scm.getAttribute("child.scm.url.inherit.append.path")).isEqualTo("false");
        assertThat(scm.getAttribute("child.scm.connection.inherit.append.path")).isEqualTo("false");
    }

    @Test
    @DisplayName("every published module has a name and a description, and inherits the metadata or has its own")
    void everyPublishedModule() throws Exception {
        List<String> published = new ArrayList<>();
        for (String module : texts(child(pom(ROOT.resolve("pom.xml")), "modules"), "module")) {
            if (UNPUBLISHED.contains(module)) {
                continue;
            }
            published.add(module);
            Element pom = pom(ROOT.resolve(module).resolve("pom.xml"));
            assertThat(text(pom, "name")).as(module + " <name>").isNotBlank();
            assertThat(text(pom, "description")).as(module + " <description>").isNotBlank();
            Element parent = childOrNull(pom, "parent");
            if (parent != null && "sergeant-parent".equals(text(parent, "artifactId"))) {
                assertThat(childOrNull(pom, "url")).as(module + " must inherit the root's url").isNull();
            } else {
                assertCentralMetadata(module, pom);
            }
        }
        assertThat(published).contains("sergeant-api", "sergeant-core", "sergeant-bom", "sergeant-cli");
    }

    @Test
    @DisplayName("the release profile attaches sources and javadoc, signs, and publishes to Central")
    void releaseProfile() throws Exception {
        Element profiles = child(pom(ROOT.resolve("pom.xml")), "profiles");
        Element release = null;
        NodeList list = profiles.getElementsByTagName("profile");
        for (int i = 0; i < list.getLength(); i++) {
            Element profile = (Element) list.item(i);
            if ("release".equals(text(profile, "id"))) {
                release = profile;
            }
        }
        assertThat(release).as("profile 'release'").isNotNull();
        String plugins = release.getTextContent();
        assertThat(plugins).contains("maven-source-plugin").contains("jar-no-fork")
                .contains("maven-javadoc-plugin").contains("maven-gpg-plugin").contains("sign")
                .contains("central-publishing-maven-plugin");
    }

    private static void assertCentralMetadata(String what, Element pom) {
        assertThat(text(pom, "url")).as(what + " <url>").startsWith("https://").doesNotContain("example");
        Element license = child(child(pom, "licenses"), "license");
        assertThat(text(license, "name")).as(what + " licence").isEqualTo("Apache-2.0");
        assertThat(text(license, "url")).as(what + " licence url").contains("apache.org/licenses/LICENSE-2.0");
        assertThat(text(child(child(pom, "developers"), "developer"), "name")).as(what + " developer").isNotBlank();
        Element scm = child(pom, "scm");
        assertThat(text(scm, "url")).as(what + " scm url").isNotBlank();
        assertThat(text(scm, "connection")).as(what + " scm connection").startsWith("scm:git:");
    }

    private static Element pom(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(file.toFile());
        return document.getDocumentElement();
    }

    private static Element childOrNull(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return element;
            }
        }
        return null;
    }

    private static Element child(Element parent, String name) {
        Element child = childOrNull(parent, name);
        assertThat(child).as("<" + name + "> in <" + parent.getTagName() + ">").isNotNull();
        return child;
    }

    /** The element's text with {@code ${property}} references resolved from the root pom's properties. */
    private static String text(Element parent, String name) {
        Element child = childOrNull(parent, name);
        if (child == null) {
            return null;
        }
        String value = child.getTextContent().trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([^}]+)}").matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(resolved, java.util.regex.Matcher.quoteReplacement(rootProperty(m.group(1))));
        }
        return m.appendTail(resolved).toString();
    }

    private static String rootProperty(String name) {
        try {
            String value = text(child(pom(ROOT.resolve("pom.xml")), "properties"), name);
            assertThat(value).as("property " + name + " of the root pom").isNotNull();
            return value;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the root pom", e);
        }
    }

    private static List<String> texts(Element parent, String name) {
        List<String> result = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                result.add(element.getTextContent().trim());
            }
        }
        return result;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        return dir.getFileName().toString().equals("it-tests") ? dir.getParent() : dir;
    }
}
