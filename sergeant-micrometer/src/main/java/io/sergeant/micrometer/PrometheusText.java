package io.sergeant.micrometer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges several scrapes in the Prometheus text format into one: each metric family's {@code # HELP}
 * and {@code # TYPE} lines once (from the first scrape that has the family), followed by the samples of
 * every scrape, so that all samples of a family stay together as the format requires. The scrapes must
 * not share a series (the worker processes' {@code worker} label tells them apart). Stateless.
 */
final class PrometheusText {

    private PrometheusText() {
    }

    static String merge(List<String> scrapes) {
        Map<String, Family> families = new LinkedHashMap<>();
        for (String scrape : scrapes) {
            Family current = null;
            for (String line : scrape.split("\n")) {
                if (line.isBlank() || line.startsWith("# EOF")) {
                    continue;
                }
                if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                    String name = line.substring(7).split(" ", 2)[0];
                    current = families.computeIfAbsent(name, Family::new);
                    current.header(line);
                } else if (line.startsWith("#")) {
                    continue;
                } else {
                    if (current == null) {
                        current = families.computeIfAbsent(sampleName(line), Family::new);
                    }
                    current.samples.add(line);
                }
            }
        }
        StringBuilder text = new StringBuilder();
        for (Family family : families.values()) {
            family.headers.forEach(header -> text.append(header).append('\n'));
            family.samples.forEach(sample -> text.append(sample).append('\n'));
        }
        return text.toString();
    }

    private static String sampleName(String line) {
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
            end++;
        }
        return line.substring(0, end);
    }

    private static final class Family {
        final List<String> headers = new ArrayList<>(2);
        final List<String> samples = new ArrayList<>();
        private boolean help;
        private boolean type;

        Family(String name) {
        }

        void header(String line) {
            if (line.startsWith("# HELP ") && !help) {
                help = true;
                headers.add(line);
            } else if (line.startsWith("# TYPE ") && !type) {
                type = true;
                headers.add(line);
            }
        }
    }
}
