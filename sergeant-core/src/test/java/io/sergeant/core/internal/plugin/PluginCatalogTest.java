package io.sergeant.core.internal.plugin;

import io.sergeant.api.ErrorCode;
import io.sergeant.api.SergeantException;
import io.sergeant.api.Task;
import io.sergeant.spi.PluginContext;
import io.sergeant.spi.PluginOptions;
import io.sergeant.spi.SergeantPlugin;
import io.sergeant.spi.codec.Serializer;
import io.sergeant.spi.codec.SerializerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginCatalogTest {

    static final AtomicInteger INSTANTIATED = new AtomicInteger();

    @TempDir
    Path dir;

    @Test
    void discoveryDoesNotInstantiateAnnotatedFactoriesAndOnlyTheNamedOneIsCreated() throws IOException {
        INSTANTIATED.set(0);
        PluginCatalog<SerializerFactory> catalog = catalog(CountingFactoryOne.class, CountingFactoryTwo.class);

        assertThat(catalog.names()).containsExactly("one", "two");
        assertThat(INSTANTIATED).hasValue(0);
        assertThat(catalog.get("two").name()).isEqualTo("two");
        assertThat(INSTANTIATED).hasValue(1);
    }

    @Test
    void anUnknownNameFailsWithTheListOfKnownNames() throws IOException {
        PluginCatalog<SerializerFactory> catalog = catalog(CountingFactoryOne.class, CountingFactoryTwo.class);

        assertThatThrownBy(() -> catalog.get("msgpak"))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_PLUGIN))
                .hasMessage("unknown serializer 'msgpak'; known: one, two");
    }

    @Test
    void duplicateNamesFailAtDiscoveryNamingBothClasses() {
        assertThatThrownBy(() -> catalog(CountingFactoryOne.class, DuplicateOfOne.class))
                .isInstanceOfSatisfying(SergeantException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DUPLICATE_PLUGIN))
                .hasMessageContaining("'one'").hasMessageContaining(CountingFactoryOne.class.getName())
                .hasMessageContaining(DuplicateOfOne.class.getName());
    }

    @Test
    void aFactoryWithoutTheAnnotationIsFoundByAskingItsName() throws IOException {
        PluginCatalog<SerializerFactory> catalog = catalog(UnannotatedFactory.class);
        assertThat(catalog.names()).containsExactly("plain");
        assertThat(catalog.get("plain")).isInstanceOf(UnannotatedFactory.class);
    }

    @Test
    void anAnnotationThatDisagreesWithNameIsReportedWhenActivated() throws IOException {
        PluginCatalog<SerializerFactory> catalog = catalog(MislabelledFactory.class);
        assertThatThrownBy(() -> catalog.get("label")).hasMessageContaining("name() returns 'other'");
    }

    private PluginCatalog<SerializerFactory> catalog(Class<?>... factories) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Path file = services.resolve(SerializerFactory.class.getName());
        StringBuilder lines = new StringBuilder();
        for (Class<?> factory : factories) {
            lines.append(factory.getName()).append('\n');
        }
        Files.writeString(file, lines);
        URL url = file.toUri().toURL();
        ClassLoader parent = getClass().getClassLoader();
        ClassLoader loader = new ClassLoader(parent) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                if (name.equals("META-INF/services/" + SerializerFactory.class.getName())) {
                    return Collections.enumeration(java.util.List.of(url));
                }
                return super.getResources(name);
            }
        };
        return PluginCatalog.discover("serializer", SerializerFactory.class, SerializerFactory::name, loader);
    }

    abstract static class BaseFactory implements SerializerFactory {
        private final String name;

        BaseFactory(String name) {
            this.name = name;
            INSTANTIATED.incrementAndGet();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Serializer create(PluginOptions options, PluginContext context) {
            return new Serializer() {
                @Override
                public byte[] serializeTask(Task task) {
                    return new byte[0];
                }

                @Override
                public Task deserializeTask(byte[] data) {
                    throw new UnsupportedOperationException("test factory");
                }

                @Override
                public byte[] serializeValue(Object value) {
                    return new byte[0];
                }

                @Override
                public Object deserializeValue(byte[] data) {
                    return null;
                }
            };
        }
    }

    /** Annotated test factory. */
    @SergeantPlugin(name = "one")
    public static final class CountingFactoryOne extends BaseFactory {
        public CountingFactoryOne() {
            super("one");
        }
    }

    /** Annotated test factory. */
    @SergeantPlugin(name = "two")
    public static final class CountingFactoryTwo extends BaseFactory {
        public CountingFactoryTwo() {
            super("two");
        }
    }

    /** Claims a taken name. */
    @SergeantPlugin(name = "one")
    public static final class DuplicateOfOne extends BaseFactory {
        public DuplicateOfOne() {
            super("one");
        }
    }

    /** No annotation. */
    public static final class UnannotatedFactory extends BaseFactory {
        public UnannotatedFactory() {
            super("plain");
        }
    }

    /** Annotation and name() disagree. */
    @SergeantPlugin(name = "label")
    public static final class MislabelledFactory extends BaseFactory {
        public MislabelledFactory() {
            super("other");
        }
    }
}
