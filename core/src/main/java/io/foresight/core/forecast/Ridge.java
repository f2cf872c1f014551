package io.foresight.core.forecast;

/**
 * Ridge least squares by the normal equations and Cholesky: small dense problems (tens of
 * coefficients) solved per user inside the control loop. Column 0 is taken as the intercept and
 * is not penalised.
 */
final class Ridge {
    private final int p;
    private final double[] xtx;
    private final double[] xty;
    private int n;

    Ridge(int p) {
        this.p = p;
        this.xtx = new double[p * p];
        this.xty = new double[p];
    }

    void add(double[] x, double y) {
        for (int i = 0; i < p; i++) {
            double xi = x[i];
            if (xi == 0) {
                continue;
            }
            xty[i] += xi * y;
            int row = i * p;
            for (int j = 0; j <= i; j++) {
                xtx[row + j] += xi * x[j];
            }
        }
        n++;
    }

    int count() {
        return n;
    }

    /** Coefficients with the same penalty on every column but the intercept; null if singular. */
    double[] solve(double lambda) {
        double[] pen = new double[p];
        java.util.Arrays.fill(pen, 1, p, lambda);
        return solve(pen);
    }

    /** Coefficients with penalty {@code lambda[i] * n} on column i; null if singular. */
    double[] solve(double[] lambda) {
        double[] a = new double[p * p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                a[i * p + j] = xtx[i * p + j];
            }
            a[i * p + i] += lambda[i] * Math.max(1, n);
            a[i * p + i] += 1e-9; // keeps constant columns (e.g. no holiday in the window) solvable
        }
        // Cholesky, lower triangle in place.
        for (int j = 0; j < p; j++) {
            double d = a[j * p + j];
            for (int k = 0; k < j; k++) {
                d -= a[j * p + k] * a[j * p + k];
            }
            if (d <= 0) {
                return null;
            }
            double l = Math.sqrt(d);
            a[j * p + j] = l;
            for (int i = j + 1; i < p; i++) {
                double s = a[i * p + j];
                for (int k = 0; k < j; k++) {
                    s -= a[i * p + k] * a[j * p + k];
                }
                a[i * p + j] = s / l;
            }
        }
        double[] z = new double[p];
        for (int i = 0; i < p; i++) {
            double s = xty[i];
            for (int k = 0; k < i; k++) {
                s -= a[i * p + k] * z[k];
            }
            z[i] = s / a[i * p + i];
        }
        double[] b = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < p; k++) {
                s -= a[k * p + i] * b[k];
            }
            b[i] = s / a[i * p + i];
        }
        return b;
    }
}
