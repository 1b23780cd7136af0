package io.sergeant.codec.java;

import io.sergeant.codec.support.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which classes the {@code java} serializer may read: a fixed set of JDK value types (boxed primitives,
 * String, BigInteger/BigDecimal, UUID, Date, java.time values through {@code java.time.Ser}, the common
 * {@code java.util} lists, sets and maps, primitive arrays) and the envelope {@link SerializedTask}, plus
 * the user's entries from {@code java.allow}: exact class names ({@code com.acme.Order}), a package
 * ({@code com.acme.*}) or a package and its subpackages ({@code com.acme.**}). Immutable, thread safe.
 */
final class ClassAllowList {

    private static final Pattern ENTRY = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*(\\.\\*\\*?)?");

    private static final Set<String> BUILT_IN = Set.of(
            SerializedTask.class.getName(),
            "java.lang.String", "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Integer",
            "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Character", "java.lang.Number",
            "java.lang.Enum", "java.math.BigInteger", "java.math.BigDecimal", "java.util.UUID", "java.util.Date",
            "java.time.Ser", "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap",
            "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet",
            "java.util.TreeSet", "java.util.Arrays$ArrayList", "java.util.CollSer", "java.util.Map$Entry",
            "java.util.Collections$UnmodifiableCollection", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$UnmodifiableMap", "java.util.Collections$EmptyList",
            "java.util.Collections$EmptyMap", "java.util.Collections$EmptySet", "java.util.Collections$SingletonList",
            "java.util.Collections$SingletonMap", "java.util.Collections$SingletonSet");

    /** Array component types that say nothing about the elements, which are checked one by one. */
    private static final Set<String> ARRAY_COMPONENTS = Set.of("java.lang.Object", "java.io.Serializable",
            "java.lang.Comparable", "java.lang.CharSequence", "java.lang.Number");

    private final Set<String> exact;
    private final List<String> packages;
    private final List<String> packageTrees;

    private ClassAllowList(Set<String> exact, List<String> packages, List<String> packageTrees) {
        this.exact = exact;
        this.packages = packages;
        this.packageTrees = packageTrees;
    }

    /**
     * Parses {@code java.allow} entries.
     *
     * @throws io.sergeant.api.SergeantException {@code INVALID_CONFIGURATION} for an entry that is not a
     *                                           class name or package pattern
     */
    static ClassAllowList parse(Set<String> entries) {
        java.util.HashSet<String> exact = new java.util.HashSet<>();
        List<String> packages = new ArrayList<>();
        List<String> trees = new ArrayList<>();
        for (String entry : entries) {
            if (!ENTRY.matcher(entry).matches()) {
                throw Errors.invalidConfiguration("option 'java.allow' has the entry '" + entry
                        + "'; expected class names (com.acme.Order), packages (com.acme.*) or package trees"
                        + " (com.acme.**), separated by commas");
            }
            if (entry.endsWith(".**")) {
                trees.add(entry.substring(0, entry.length() - 2));
            } else if (entry.endsWith(".*")) {
                packages.add(entry.substring(0, entry.length() - 1));
            } else {
                exact.add(entry);
            }
        }
        return new ClassAllowList(Set.copyOf(exact), List.copyOf(packages), List.copyOf(trees));
    }

    /** Whether a class (or array class, in JVM descriptor or source form) may be read. */
    boolean allows(String className) {
        String name = className;
        while (name.startsWith("[")) {
            name = name.substring(1);
        }
        if (name.length() == 1) {
            return "ZBCSIJFD".contains(name); // primitive array
        }
        if (name.startsWith("L") && name.endsWith(";")) {
            name = name.substring(1, name.length() - 1);
        }
        if (className.startsWith("[") && ARRAY_COMPONENTS.contains(name)) {
            return true; // Object[] of ArrayList and immutable collections, Serializable[] of Arrays.asList, ...
        }
        if (BUILT_IN.contains(name) || exact.contains(name) || isJdkValueReplacement(name)) {
            return true;
        }
        int lastDot = name.lastIndexOf('.');
        String pkg = lastDot < 0 ? "" : name.substring(0, lastDot + 1);
        for (String p : packages) {
            if (pkg.equals(p)) {
                return true;
            }
        }
        for (String tree : packageTrees) {
            if (name.startsWith(tree)) {
                return true;
            }
        }
        return false;
    }

    /**
     * java.time values and immutable collections travel as serial proxies ({@code java.time.Ser},
     * {@code java.util.CollSer}) whose {@code readResolve} result is filtered too.
     */
    private static boolean isJdkValueReplacement(String name) {
        return name.startsWith("java.time.") || name.startsWith("java.util.ImmutableCollections$");
    }

    /** Whether a value of this class may be written (so that readers with the same allow-list accept it). */
    boolean allowsWriting(Class<?> type) {
        String name = type.getName();
        return allows(name);
    }
}
