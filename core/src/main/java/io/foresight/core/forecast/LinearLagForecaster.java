package io.foresight.core.forecast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foresight.core.model.Resource;
import io.foresight.core.trace.UserSeries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Serves a linear model over lags of one resource (as the Spark lag-regression job fits and exports it in
 * {@code linear.json}) without Spark: feature {@code lag_k} is the value k steps back, {@code mean_k} the mean
 * of the last k steps. Multi-step forecasts are recursive (predictions feed later lags). Other resources, the
 * upper bound's margin, and steps whose lags are unobserved come from {@code base} (e.g. seasonal naive).
 */
public final class LinearLagForecaster implements Forecaster {
    public static final String FILE = "linear.json";

    private final Resource resource;
    private final int[] lags;
    private final boolean[] isMean;
    private final double[] coefficients;
    private final double intercept;
    private final Forecaster base;
    private final String name;

    public LinearLagForecaster(Resource resource, String[] features, double[] coefficients, double intercept,
                               Forecaster base, String name) {
        this.resource = Objects.requireNonNull(resource, "resource");
        this.base = Objects.requireNonNull(base, "base");
        this.name = Objects.requireNonNull(name, "name");
        if (features.length != coefficients.length || features.length == 0) {
            throw new IllegalArgumentException("linear model needs one coefficient per feature, got "
                    + features.length + " features and " + coefficients.length + " coefficients");
        }
        this.lags = new int[features.length];
        this.isMean = new boolean[features.length];
        for (int i = 0; i < features.length; i++) {
            String f = features[i];
            int us = f.indexOf('_');
            String kind = us < 0 ? f : f.substring(0, us);
            if (us < 0 || !(kind.equals("lag") || kind.equals("mean"))) {
                throw new IllegalArgumentException("unknown feature '" + f + "': this server understands lag_K and mean_K;"
                        + " retrain with those features or deploy a matching loader");
            }
            lags[i] = Integer.parseInt(f.substring(us + 1));
            if (lags[i] <= 0) {
                throw new IllegalArgumentException("feature '" + f + "' must look back at least one step");
            }
            isMean[i] = kind.equals("mean");
        }
        for (double c : coefficients) {
            if (!Double.isFinite(c)) {
                throw new IllegalArgumentException("linear model has a non-finite coefficient: " + Arrays.toString(coefficients));
            }
        }
        this.coefficients = coefficients.clone();
        this.intercept = intercept;
    }

    /** Reads {@value #FILE} from a model directory. Throws with the cause if it is missing or malformed. */
    public static LinearLagForecaster load(Path modelDir, Resource resource, Forecaster base, String name) throws IOException {
        Path f = modelDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new IOException(modelDir + " has no " + FILE + ": not a linear lag model");
        }
        JsonNode m = new ObjectMapper().readTree(f.toFile());
        JsonNode feats = m.path("features");
        JsonNode coefs = m.path("coefficients");
        if (!feats.isArray() || !coefs.isArray() || !m.path("intercept").isNumber()) {
            throw new IOException(f + " needs arrays 'features' and 'coefficients' and a number 'intercept'");
        }
        String[] names = new String[feats.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = feats.get(i).asText();
        }
        double[] c = new double[coefs.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = coefs.get(i).asDouble();
        }
        return new LinearLagForecaster(resource, names, c, m.path("intercept").asDouble(), base, name);
    }

    @Override
    public String name() {
        return name;
    }

    public Resource resource() { return resource; }
    public Forecaster base() { return base; }
    public double intercept() { return intercept; }
    public double[] coefficients() { return coefficients.clone(); }

    /** Feature names as the Spark job wrote them ({@code lag_K}, {@code mean_K}). */
    public String[] features() {
        String[] f = new String[lags.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (isMean[i] ? "mean_" : "lag_") + lags[i];
        }
        return f;
    }

    /** One-step prediction from {@code y[0..t)}; NaN if a needed value is unobserved. */
    double predict(double[] y, int t) {
        double s = intercept;
        for (int i = 0; i < lags.length; i++) {
            double x;
            if (isMean[i]) {
                if (t - lags[i] < 0) {
                    return Double.NaN;
                }
                double sum = 0;
                for (int k = 1; k <= lags[i]; k++) {
                    sum += y[t - k];
                }
                x = sum / lags[i];
            } else {
                x = t - lags[i] >= 0 ? y[t - lags[i]] : Double.NaN;
            }
            if (Double.isNaN(x)) {
                return Double.NaN;
            }
            s += coefficients[i] * x;
        }
        return s;
    }

    @Override
    public Forecast forecast(UserSeries history, int now, int horizon) {
        Forecast b = base.forecast(history, now, horizon);
        double[][] point = new double[Resource.COUNT][];
        double[][] upper = new double[Resource.COUNT][];
        for (int r = 0; r < Resource.COUNT; r++) {
            point[r] = b.point()[r].clone();
            upper[r] = b.upper()[r].clone();
        }
        double[] src = history.usageColumn(resource);
        int n = Math.min(now, src.length);
        double[] y = Arrays.copyOf(src, n + horizon); // observed past, then our own predictions
        Arrays.fill(y, n, y.length, Double.NaN);
        int r = resource.ordinal();
        for (int h = 0; h < horizon; h++) {
            double p = predict(y, n + h);
            if (Double.isNaN(p)) {
                p = b.point()[r][h]; // unobserved lags: the base forecast stands in
            } else {
                p = Math.max(0, p); // usage is never negative
            }
            y[n + h] = p;
            double margin = b.upper()[r][h] - b.point()[r][h];
            point[r][h] = p;
            upper[r][h] = Double.isNaN(margin) ? p : p + Math.max(0, margin);
        }
        return new Forecast(b.user(), b.issuedAt(), b.stepSeconds(), b.quantile(), point, upper, name);
    }
}
