package io.foresight.core.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Draws actual vs forecast (and its upper bound, when given) as a PNG with java.awt in headless mode: the
 * forecast-vs-actual chart of MLflow runs and of the training pipeline's output.
 */
public final class ForecastPlot {
    private ForecastPlot() {}

    /** @param upper the upper bound, or null to draw actual and forecast only */
    public static void write(Path png, String title, double[] actual, double[] forecast, double[] upper) {
        if (actual.length != forecast.length || actual.length < 2 || (upper != null && upper.length != actual.length)) {
            throw new IllegalArgumentException("plot needs series of equal length >= 2, got " + actual.length + " and "
                    + forecast.length + (upper == null ? "" : " and " + upper.length));
        }
        if (upper == null) {
            upper = new double[actual.length];
            java.util.Arrays.fill(upper, Double.NaN);
        }
        System.setProperty("java.awt.headless", "true");
        int w = 1000, h = 400, left = 60, right = 20, top = 30, bottom = 40;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double max = 0;
        for (double[] s : new double[][] {actual, forecast, upper}) {
            for (double v : s) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        max = max <= 0 ? 1 : max * 1.05;
        g.setColor(Color.GRAY);
        g.drawRect(left, top, w - left - right, h - top - bottom);
        g.setColor(Color.BLACK);
        g.drawString(title, left, 20);
        g.drawString(String.format("%.3g", max), 5, top + 10);
        g.drawString("0", 5, h - bottom);
        g.drawString("actual (black), forecast (blue)" + (Double.isNaN(max(upper)) ? "" : ", upper bound (red)")
                + "; x = 5-min steps", left, h - 12);
        plot(g, actual, max, Color.BLACK, left, top, w - left - right, h - top - bottom);
        plot(g, forecast, max, Color.BLUE, left, top, w - left - right, h - top - bottom);
        plot(g, upper, max, new Color(200, 0, 0), left, top, w - left - right, h - top - bottom);
        g.dispose();
        try {
            ImageIO.write(img, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + png, e);
        }
    }

    private static double max(double[] y) {
        double m = Double.NaN;
        for (double v : y) {
            if (!Double.isNaN(v)) {
                m = Double.isNaN(m) ? v : Math.max(m, v);
            }
        }
        return m;
    }

    private static void plot(Graphics2D g, double[] y, double max, Color c, int x0, int y0, int pw, int ph) {
        g.setColor(c);
        g.setStroke(new BasicStroke(1.2f));
        int n = y.length;
        for (int i = 1; i < n; i++) {
            if (Double.isNaN(y[i - 1]) || Double.isNaN(y[i])) {
                continue;
            }
            int xa = x0 + (int) ((i - 1) * (double) pw / Math.max(1, n - 1));
            int xb = x0 + (int) (i * (double) pw / Math.max(1, n - 1));
            int ya = y0 + ph - (int) (y[i - 1] / max * ph);
            int yb = y0 + ph - (int) (y[i] / max * ph);
            g.drawLine(xa, ya, xb, yb);
        }
    }
}
