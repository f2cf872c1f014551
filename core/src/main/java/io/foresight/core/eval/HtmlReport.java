package io.foresight.core.eval;

import io.foresight.core.cost.PriceBook;
import io.foresight.core.model.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: a self-contained page (inline SVG, no scripts, no network) with the results
 * table, cost against under-provisioning per policy, usage against each policy's allocation for a few
 * sample users over three days, and the distribution of the forecast's relative error.
 */
public final class HtmlReport {
    static final String[] COLORS = {"#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2"};
    private static final int DAYS_SHOWN = 3;

    private HtmlReport() {}

    public static void write(EvaluationResult res, PriceBook prices, Path file) {
        write(res, prices, file, null);
    }

    /** The report with, when {@code sweep} is given, each policy's cost-versus-risk curves and its cost at matched risk. */
    public static void write(EvaluationResult res, PriceBook prices, Path file, Sweep.Result sweep) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, render(res, prices, sweep), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String f(String fmt, Object... a) {
        return String.format(Locale.ROOT, fmt, a);
    }

    static String render(EvaluationResult res, PriceBook prices) {
        return render(res, prices, null);
    }

    static String render(EvaluationResult res, PriceBook prices, Sweep.Result sweep) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Foresight evaluation</title><style>")
                .append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}")
                .append("h2{margin-top:28px}.row{display:flex;flex-wrap:wrap;gap:16px}.note{color:#555;font-size:13px;max-width:1000px}")
                .append("</style></head><body>");
        h.append("<h1>Foresight evaluation</h1>");
        h.append(f("<p class=\"note\">%d users, %d test user-intervals of %d s, each policy given the same warm-up (up to %d steps of training data) "
                        + "and the same one-step lead (a decision made with data before interval i applies at i). Intervals without data are not scored. "
                        + "Cost is on-demand over the scored intervals. Replay took %.1f s.</p>",
                res.users(), res.intervals(), res.stepSeconds(), res.warmupSteps(), res.seconds()));
        table(h, res, prices);
        if (sweep != null) {
            frontiers(h, sweep, prices);
        }
        h.append("<h2>Cost against under-provisioning</h2><div class=\"row\">");
        scatter(h, res, prices, Resource.CPU);
        scatter(h, res, prices, Resource.MEMORY);
        h.append("</div>");
        h.append(f("<h2>Usage and allocation, sample users (first %d days of the test)</h2>", DAYS_SHOWN));
        h.append("<p class=\"note\">Lines above the top edge (often static and hpa) are clipped there.</p>");
        for (EvaluationResult.Sample s : res.samples()) {
            h.append("<div class=\"row\">");
            series(h, res, s, 0, "CPU (cores)");
            series(h, res, s, 1, "memory (GiB)");
            h.append("</div>");
        }
        if (res.forecast() != null) {
            h.append("<h2>Forecast error distribution (" + esc(res.forecastPolicy()) + ")</h2>");
            h.append("<p class=\"note\">Relative error (usage - point) / max(usage, point), one-step forecasts on the scored intervals; "
                    + "positive = usage above the forecast.</p><div class=\"row\">");
            histogram(h, res.forecast(), Resource.CPU);
            histogram(h, res.forecast(), Resource.MEMORY);
            h.append("</div>");
        }
        h.append("<h2>Parameters</h2><table><tr><th>policy</th><th>parameters</th></tr>");
        res.parameters().forEach((name, p) -> h.append("<tr><td>").append(esc(name)).append("</td><td style=\"text-align:left\">")
                .append(esc(String.valueOf(p))).append("</td></tr>"));
        h.append("</table></body></html>\n");
        return h.toString();
    }

    private static void table(StringBuilder h, EvaluationResult res, PriceBook prices) {
        h.append("<table><tr><th>policy</th><th>cost (USD)</th><th>under-prov. CPU</th><th>under-prov. memory</th>")
                .append("<th>mean shortfall CPU</th><th>mean shortfall memory</th><th>slack CPU</th><th>slack memory</th>")
                .append("<th>under-prov. network</th><th>under-prov. disk</th><th>changes / user / day</th>")
                .append("<th>daily CPU peaks covered</th></tr>");
        res.policies().forEach((name, m) -> h.append(f("<tr><td>%s</td><td>%.2f</td><td>%.2f%%</td><td>%.2f%%</td><td>%.1f%%</td>"
                        + "<td>%.1f%%</td><td>%.1f%%</td><td>%.1f%%</td><td>%.2f%%</td><td>%.2f%%</td><td>%.2f</td><td>%.1f%%</td></tr>",
                esc(name), m.cost(prices), 100 * m.underprovisionedFraction(Resource.CPU), 100 * m.underprovisionedFraction(Resource.MEMORY),
                100 * m.meanShortfall(Resource.CPU), 100 * m.meanShortfall(Resource.MEMORY), 100 * m.slack(Resource.CPU),
                100 * m.slack(Resource.MEMORY), 100 * m.underprovisionedFraction(Resource.NETWORK),
                100 * m.underprovisionedFraction(Resource.DISK), m.changesPerUserDay(), 100 * m.peakCoverage(Resource.CPU))));
        h.append("</table>");
        ForecastMetrics fm = res.forecast();
        if (fm != null) {
            h.append("<p class=\"note\">Forecast (" + esc(res.forecastPolicy()) + "): ");
            for (Resource r : new Resource[] {Resource.CPU, Resource.MEMORY}) {
                h.append(f("%s MAE %.4f %s, RMSE %.4f, MASE %.3f, upper-bound coverage %.2f%%. ", r.name().toLowerCase(Locale.ROOT),
                        fm.mae(r), r.unit(), fm.rmse(r), fm.mase(r), 100 * fm.coverage(r)));
            }
            h.append("</p>");
        }
    }

    /** The sweep: the matched-risk table, then one chart per scored resource with every policy's curve. */
    private static void frontiers(StringBuilder h, Sweep.Result sweep, PriceBook prices) {
        h.append("<h2>Cost at matched CPU risk</h2><p class=\"note\">Each policy replayed over its own risk knob; the cost "
                + "(all resources) where its CPU under-provisioning is the given share, read linearly between the settings around "
                + "it on its frontier. &le;: an upper bound (every setting swept is safer than that); not reached: every setting "
                + "swept is riskier.</p><table><tr><th>policy</th>");
        for (double r : Sweep.RISKS) {
            h.append(f("<th>cost at %s%% CPU under-provisioning</th>", tick(100 * r)));
        }
        h.append("<th>settings swept</th></tr>");
        sweep.frontier().forEach((policy, points) -> {
            h.append("<tr><td>").append(esc(policy)).append("</td>");
            for (Sweep.Matched m : Sweep.matched(points, prices, null)) {
                h.append("<td title=\"").append(esc(m.how())).append("\">").append(!m.reached() ? "not reached"
                        : (m.how().startsWith("upper bound") ? "&le; " : "") + f("%.2f", m.cost())).append("</td>");
            }
            h.append(f("<td>%d</td></tr>", points.size()));
        });
        h.append("</table><h2>Cost against under-provisioning over each policy's knob</h2><div class=\"row\">");
        for (Resource r : Resource.values()) {
            frontier(h, sweep, prices, r);
        }
        h.append("</div>");
    }

    private static void frontier(StringBuilder h, Sweep.Result sweep, PriceBook prices, Resource r) {
        double maxX = 0, maxY = 0;
        boolean any = false;
        for (List<Sweep.Point> ps : sweep.frontier().values()) {
            for (Sweep.Point p : ps) {
                double x = p.metrics().underprovisionedFraction(r);
                if (!Double.isNaN(x)) {
                    any = true;
                    maxX = Math.max(maxX, 100 * x);
                    maxY = Math.max(maxY, p.metrics().cost(r, prices));
                }
            }
        }
        if (!any) {
            return; // not observed in this trace (e.g. memory in the Azure sample)
        }
        // the matched risks are the region that matters: show up to 5%, clip riskier settings at the edge
        maxX = Math.min(Math.max(maxX, 1.2), 5) * 1.05;
        maxY = maxY <= 0 ? 1 : maxY * 1.1;
        int w = 520, ht = 340, l = 70, b = 45, t = 30, rt = 90;
        String name = r.name().toLowerCase(Locale.ROOT);
        h.append(f("<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">", w, ht));
        h.append(f("<text x=\"%d\" y=\"18\" font-size=\"13\">%s: cost vs under-provisioned intervals, each policy's knob</text>", l, name));
        axes(h, w, ht, l, b, t, rt, maxX, maxY, name + " under-provisioned user-intervals (%)", name + " cost (USD)");
        if (r == Resource.CPU) {
            for (double risk : Sweep.RISKS) {
                double x = l + (w - l - rt) * 100 * risk / maxX;
                h.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
                        x, t, x, ht - b));
            }
        }
        int k = 0;
        int legendY = t + 10;
        for (var e : sweep.frontier().entrySet()) {
            String c = COLORS[k++ % COLORS.length];
            List<double[]> pts = new ArrayList<>();
            for (Sweep.Point p : e.getValue()) {
                double x = p.metrics().underprovisionedFraction(r);
                if (!Double.isNaN(x)) {
                    pts.add(new double[] {Math.min(100 * x, maxX), p.metrics().cost(r, prices), p.setting().isDefault() ? 1 : 0});
                }
            }
            pts.sort(java.util.Comparator.comparingDouble(p -> p[0]));
            StringBuilder d = new StringBuilder();
            for (double[] p : pts) {
                double x = l + (w - l - rt) * p[0] / maxX;
                double y = ht - b - (ht - b - t) * p[1] / maxY;
                d.append(d.length() == 0 ? "M" : "L").append(f("%.1f %.1f ", x, y));
                h.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"/>", x, y, p[2] == 1 ? "5" : "3", c));
            }
            h.append(f("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>", d, c));
            h.append(f("<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>", w - rt + 8, legendY, c, esc(e.getKey())));
            legendY += 14;
        }
        h.append(f("<text x=\"%d\" y=\"%d\" fill=\"#555\">big dot:</text>", w - rt + 8, legendY + 8));
        h.append(f("<text x=\"%d\" y=\"%d\" fill=\"#555\">default</text>", w - rt + 8, legendY + 22));
        h.append("</svg>");
    }

    private static void scatter(StringBuilder h, EvaluationResult res, PriceBook prices, Resource r) {
        int w = 460, ht = 320, l = 70, b = 45, t = 30, rt = 20;
        double maxX = 0, maxY = 0;
        for (PolicyMetrics m : res.policies().values()) {
            maxX = Math.max(maxX, 100 * m.underprovisionedFraction(r));
            maxY = Math.max(maxY, m.cost(r, prices));
        }
        maxX = maxX <= 0 ? 1 : maxX * 1.15;
        maxY = maxY <= 0 ? 1 : maxY * 1.15;
        h.append(f("<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">", w, ht));
        h.append(f("<text x=\"%d\" y=\"18\" font-size=\"13\">%s: cost vs under-provisioned intervals</text>", l, r.name().toLowerCase(Locale.ROOT)));
        axes(h, w, ht, l, b, t, rt, maxX, maxY, "under-provisioned user-intervals (%)", r.name().toLowerCase(Locale.ROOT) + " cost (USD)");
        int k = 0;
        for (var e : res.policies().entrySet()) {
            double x = l + (w - l - rt) * (100 * e.getValue().underprovisionedFraction(r)) / maxX;
            double y = ht - b - (ht - b - t) * e.getValue().cost(r, prices) / maxY;
            String c = COLORS[k++ % COLORS.length];
            h.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>",
                    x, y, c, x + 8, y - 6, c, esc(e.getKey())));
        }
        h.append("</svg>");
    }

    private static void axes(StringBuilder h, int w, int ht, int l, int b, int t, int rt, double maxX, double maxY,
                             String xl, String yl) {
        h.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", l, ht - b, w - rt, ht - b));
        h.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", l, t, l, ht - b));
        for (int i = 0; i <= 4; i++) {
            double fx = l + (w - l - rt) * i / 4.0;
            double fy = ht - b - (ht - b - t) * i / 4.0;
            h.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", fx, ht - b + 14, tick(maxX * i / 4)));
            h.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", l - 4, fy + 4, tick(maxY * i / 4)));
            h.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", l + 1, fy, w - rt, fy));
        }
        h.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", (l + w - rt) / 2, ht - 8, esc(xl)));
        h.append(f("<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>",
                (t + ht - b) / 2, (t + ht - b) / 2, esc(yl)));
    }

    private static String tick(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 100) {
            return f("%.0f", v);
        }
        return Math.abs(v) >= 1 ? f("%.1f", v) : f("%.3f", v);
    }

    private static void series(StringBuilder h, EvaluationResult res, EvaluationResult.Sample s, int k, String what) {
        int n = Math.min(s.timestamps().length, DAYS_SHOWN * 86400 / res.stepSeconds());
        if (n < 2) {
            return;
        }
        int w = 620, ht = 300, l = 60, b = 40, t = 30, rt = 110;
        double maxY = 0;
        for (int i = 0; i < n; i++) {
            double u = s.usage()[k][i];
            if (!Double.isNaN(u)) {
                maxY = Math.max(maxY, u);
            }
        }
        // Scale to usage and the adaptive policies; the fixed-size ones (static, hpa) are often far
        // above and are clipped at the top edge rather than flattening everything else.
        for (var e : s.allocation().entrySet()) {
            if (e.getKey().equals("static") || e.getKey().equals("hpa")) {
                continue;
            }
            double[][] a = e.getValue();
            for (int i = 0; i < n; i++) {
                if (!Double.isNaN(a[k][i]) && !Double.isInfinite(a[k][i])) {
                    maxY = Math.max(maxY, a[k][i]);
                }
            }
        }
        maxY = maxY <= 0 ? 1 : maxY * 1.1;
        h.append(f("<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">", w, ht));
        h.append(f("<text x=\"%d\" y=\"18\" font-size=\"13\">user %s: %s, from %s</text>", l, esc(s.user()), esc(what),
                Instant.ofEpochSecond(s.timestamps()[0])));
        axes(h, w, ht, l, b, t, rt, DAYS_SHOWN * 24.0, maxY, "hours", what);
        int c = 0;
        int legendY = t + 10;
        for (var e : s.allocation().entrySet()) {
            String col = COLORS[c++ % COLORS.length];
            path(h, e.getValue()[k], n, w, ht, l, b, t, rt, maxY, col, 1.2);
            h.append(f("<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>", w - rt + 8, legendY, col, esc(e.getKey())));
            legendY += 14;
        }
        path(h, s.usage()[k], n, w, ht, l, b, t, rt, maxY, "#000", 1.6);
        h.append(f("<text x=\"%d\" y=\"%d\" fill=\"#000\" font-weight=\"bold\">usage</text>", w - rt + 8, legendY));
        h.append("</svg>");
    }

    private static void path(StringBuilder h, double[] v, int n, int w, int ht, int l, int b, int t, int rt, double maxY,
                             String col, double width) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(v[i])) {
                pen = false;
                continue;
            }
            double x = l + (w - l - rt) * i / (double) (n - 1);
            double y = ht - b - (ht - b - t) * Math.min(v[i], maxY) / maxY;
            d.append(pen ? "L" : "M").append(f("%.1f %.1f ", x, y));
            pen = true;
        }
        h.append(f("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"/>", d, col, width));
    }

    private static void histogram(StringBuilder h, ForecastMetrics fm, Resource r) {
        long[] bins = fm.errorHistogram(r);
        long total = 0, max = 0;
        for (long x : bins) {
            total += x;
            max = Math.max(max, x);
        }
        if (total == 0) {
            return;
        }
        int w = 460, ht = 280, l = 60, b = 40, t = 30, rt = 20;
        double maxY = 100.0 * max / total * 1.1;
        h.append(f("<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">", w, ht));
        h.append(f("<text x=\"%d\" y=\"18\" font-size=\"13\">%s forecast: relative error</text>", l, r.name().toLowerCase(Locale.ROOT)));
        h.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", l, ht - b, w - rt, ht - b));
        h.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", l, t, l, ht - b));
        double bw = (w - l - rt) / (double) bins.length;
        for (int i = 0; i < bins.length; i++) {
            double pct = 100.0 * bins[i] / total;
            double bh = (ht - b - t) * pct / maxY;
            h.append(f("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1f77b4\"/>", l + i * bw + 0.5,
                    ht - b - bh, bw - 1, bh));
        }
        for (int i = 0; i <= 4; i++) {
            double fx = l + (w - l - rt) * i / 4.0;
            h.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", fx, ht - b + 14, tick(-1 + 0.5 * i)));
            double fy = ht - b - (ht - b - t) * i / 4.0;
            h.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s%%</text>", l - 4, fy + 4, tick(maxY * i / 4)));
        }
        h.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">(usage - forecast) / max(usage, forecast)</text>", (l + w - rt) / 2, ht - 8));
        h.append("</svg>");
    }

    /** Policies in display order, for tests. */
    static List<String> names(Map<String, PolicyMetrics> m) {
        return new ArrayList<>(m.keySet());
    }
}
