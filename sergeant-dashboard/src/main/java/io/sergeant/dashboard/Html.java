package io.sergeant.dashboard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * HTML building blocks: escaping (every value from the backend goes through {@link #escape}), the page
 * frame with its inline stylesheet, and the throughput chart as inline SVG. No asset is ever loaded
 * from anywhere: the pages carry their CSS and their one small script inline. Stateless.
 */
final class Html {

    private Html() {
    }

    /** Escapes text for an HTML element body or a double-quoted attribute. */
    static String escape(Object value) {
        String text = String.valueOf(value);
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A path segment, percent-encoded (a queue name in a link). */
    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    static String age(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        if (seconds < 86_400) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", seconds / 86_400, seconds % 86_400 / 3600);
    }

    /** An instant as {@code 2026-12-05 04:50:02Z} and how far from now ("in 3m05s" / "3m05s ago"). */
    static String time(Object value) {
        if (!(value instanceof Instant instant)) {
            return "";
        }
        long seconds = Duration.between(Instant.now(), instant).toSeconds();
        String shown = instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace('T', ' ');
        return escape(shown) + " <span class=\"muted\">(" + (seconds >= 0 ? "in " + age(seconds) : age(-seconds) + " ago")
                + ")</span>";
    }

    /** A small line chart of tasks per minute, or a note while there are fewer than two samples. */
    static String chart(List<Double> points) {
        if (points.size() < 2) {
            return "<span class=\"muted\">sampling…</span>";
        }
        double max = points.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double top = max <= 0 ? 1 : max;
        int width = 160;
        int height = 32;
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < points.size(); i++) {
            double x = (double) i * width / (points.size() - 1);
            double y = height - 2 - points.get(i) / top * (height - 4);
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return "<svg class=\"chart\" width=\"" + width + "\" height=\"" + height + "\" viewBox=\"0 0 " + width + " "
                + height + "\" role=\"img\" aria-label=\"tasks per minute, max " + String.format(Locale.ROOT, "%.1f", max)
                + "\"><polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\" points=\"" + line.toString().trim()
                + "\"/></svg>";
    }

    /** The page frame: title, navigation, the backend label, a notice, then the body. */
    static String page(String base, String title, String backend, boolean readOnly, String notice, String body,
                       String nonce) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + " · Sergeant</title><style nonce=\"" + nonce + "\">" + CSS + "</style></head><body>"
                + "<header><a class=\"brand\" href=\"" + base + "/\">Sergeant</a>"
                + "<nav><a href=\"" + base + "/\">Queues</a><a href=\"" + base + "/workers\">Workers</a></nav>"
                + "<span class=\"backend\" id=\"backend\">" + escape(backend) + "</span>"
                + (readOnly ? "<span class=\"badge\" id=\"read-only\">read-only</span>" : "") + "</header><main>"
                + (notice == null || notice.isEmpty() ? "" : "<p class=\"notice\" id=\"notice\">" + escape(notice) + "</p>")
                + body + "</main><script nonce=\"" + nonce + "\">" + SCRIPT + "</script></body></html>";
    }

    private static final String CSS = """
            body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
            header{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1.2rem;background:#111827;color:#f9fafb}
            header a{color:#f9fafb;text-decoration:none}.brand{font-weight:700;font-size:1.1rem}
            nav a{margin-right:1rem}.backend{margin-left:auto;font-family:ui-monospace,monospace;font-size:.85rem;opacity:.8}
            .badge{background:#b45309;border-radius:.3rem;padding:.1rem .4rem;font-size:.8rem}
            main{padding:1rem 1.2rem;max-width:80rem}h1{font-size:1.3rem;margin:.3rem 0 1rem}h2{font-size:1.05rem;margin-top:1.5rem}
            table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0001}
            th,td{padding:.4rem .6rem;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
            th{background:#f3f4f6;font-weight:600;font-size:.85rem}td.n{text-align:right;font-variant-numeric:tabular-nums}
            pre{margin:0;white-space:pre-wrap;word-break:break-all;font:12px/1.35 ui-monospace,monospace;max-width:40rem}
            .muted{color:#6b7280}.notice{background:#ecfdf5;border:1px solid #10b981;padding:.5rem .8rem;border-radius:.3rem}
            .error{color:#b91c1c}form.inline{display:inline}.actions{margin:1rem 0;display:flex;gap:.8rem;flex-wrap:wrap;align-items:center}
            button{font:inherit;padding:.25rem .7rem;border:1px solid #9ca3af;border-radius:.3rem;background:#fff;cursor:pointer}
            button.danger{border-color:#dc2626;color:#b91c1c}input[type=text]{font:inherit;padding:.2rem .4rem}
            .counts{display:flex;gap:1rem;margin-bottom:1rem}.counts div{background:#fff;padding:.5rem 1rem;box-shadow:0 1px 2px #0001}
            .counts b{display:block;font-size:1.3rem}svg.chart{display:block}
            """;

    /** The one script: a "select all" checkbox on the dead-letter page. */
    private static final String SCRIPT = """
            document.querySelectorAll('[data-select-all]').forEach(function(box){box.addEventListener('change',function(){
            document.querySelectorAll('input[name=ids]').forEach(function(item){item.checked=box.checked;});});});
            """;
}
