package io.foresight.mlflow;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A minimal forecast-vs-actual line chart (Java2D, headless), so runs show their fit at a glance in the UI. */
final class ForecastPlot {
    private static final int W = 900;
    private static final int H = 360;
    private static final int PAD = 40;

    private ForecastPlot() {}

    static void write(String title, double[] actual, double[] forecast, Path png) throws IOException {
        if (actual.length != forecast.length || actual.length < 2) {
            throw new IllegalArgumentException("plot needs two series of equal length >= 2, got "
                    + actual.length + " and " + forecast.length);
        }
        System.setProperty("java.awt.headless", "true");
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] s : new double[][] {actual, forecast}) {
            for (double v : s) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            g.setColor(Color.GRAY);
            g.drawRect(PAD, PAD, W - 2 * PAD, H - 2 * PAD);
            g.setColor(Color.BLACK);
            g.drawString(title + String.format("  [%.3g .. %.3g]", lo, hi), PAD, PAD - 12);
            line(g, actual, lo, hi, new Color(0x1f77b4));
            line(g, forecast, lo, hi, new Color(0xff7f0e));
            g.setColor(new Color(0x1f77b4));
            g.drawString("actual", W - PAD - 140, H - 12);
            g.setColor(new Color(0xff7f0e));
            g.drawString("forecast", W - PAD - 70, H - 12);
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    private static void line(Graphics2D g, double[] y, double lo, double hi, Color c) {
        g.setColor(c);
        g.setStroke(new BasicStroke(1.5f));
        int n = y.length;
        int px = -1;
        int py = -1;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(y[i])) {
                px = -1;
                continue;
            }
            int x = PAD + (int) Math.round((W - 2.0 * PAD) * i / (n - 1));
            int yy = H - PAD - (int) Math.round((H - 2.0 * PAD) * (y[i] - lo) / (hi - lo));
            if (px >= 0) {
                g.drawLine(px, py, x, yy);
            }
            px = x;
            py = yy;
        }
    }
}
