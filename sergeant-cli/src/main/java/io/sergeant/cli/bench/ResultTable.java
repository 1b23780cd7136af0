package io.sergeant.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders result rows as a Markdown table, locale independent. Stateless. */
final class ResultTable {

    private static final String[] HEADER = {"backend", "measure", "delivery", "threads", "tasks", "rounds",
            "tasks/s (median)", "min – max", "per CPU-s", "raw limit/s", "ratio", "pickup p50 / p99", "check"};
    private static final int FIRST_NUMERIC = 3;
    private static final int LAST_NUMERIC = 10;

    private ResultTable() {
    }

    /** The table, with a header and one line per row. */
    static String markdown(List<ResultRow> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(HEADER);
        for (ResultRow row : rows) {
            cells.add(new String[] {
                    row.backend(),
                    row.measure(),
                    row.delivery(),
                    row.threads() == 0 ? "" : Integer.toString(row.threads()),
                    count(row.tasks()),
                    Integer.toString(row.roundNanos().length),
                    count(Math.round(row.perSecond())),
                    row.roundNanos().length == 1 ? "" : count(Math.round(row.minPerSecond())) + " – "
                            + count(Math.round(row.maxPerSecond())),
                    row.perCpuSecond() > 0 ? count(Math.round(row.perCpuSecond())) : "",
                    row.rawPerSecond() > 0 ? count(Math.round(row.rawPerSecond())) : "",
                    row.ratio() >= 0 ? String.format(Locale.ROOT, "%.0f%%", row.ratio() * 100) : "",
                    row.latency(),
                    row.check()});
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        append(out, cells.get(0), widths);
        out.append('|');
        for (int i = 0; i < widths.length; i++) {
            boolean numeric = i >= FIRST_NUMERIC && i <= LAST_NUMERIC;
            out.append(numeric ? "-".repeat(widths[i] + 1) + ":" : ":" + "-".repeat(widths[i] + 1)).append('|');
        }
        out.append('\n');
        for (String[] line : cells.subList(1, cells.size())) {
            append(out, line, widths);
        }
        return out.toString();
    }

    private static void append(StringBuilder out, String[] line, int[] widths) {
        out.append('|');
        for (int i = 0; i < line.length; i++) {
            String padding = " ".repeat(widths[i] - line[i].length());
            boolean numeric = i >= FIRST_NUMERIC && i <= LAST_NUMERIC;
            out.append(' ').append(numeric ? padding + line[i] : line[i] + padding).append(" |");
        }
        out.append('\n');
    }

    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
