package io.foresight.core.baseline;

/**
 * An exponentially-bucketed histogram whose sample weights grow as 2^(t/halfLife), so older samples
 * count exponentially less. This reproduces the Kubernetes VPA recommender's decaying histogram
 * (bucket i starts at first*(ratio^i - 1)/(ratio - 1); the percentile is the end of the bucket
 * where the cumulative weight first reaches the fraction; the reference time is moved forward
 * when the exponent would exceed 100, rescaling the stored weights). Autopilot's moving-window
 * recommender uses the same structure with its own half-lives.
 */
final class DecayingHistogram {
    private static final double EPSILON = 1e-4;
    private static final double MAX_DECAY_EXPONENT = 100;

    private final double first;
    private final double ratio;
    private final int buckets;
    private final double[] weight;
    private final double halfLifeSeconds;
    private double total;
    private int minBucket;
    private int maxBucket;
    private long referenceTime;
    private boolean referenceSet;

    DecayingHistogram(double maxValue, double firstBucketSize, double ratio, double halfLifeSeconds) {
        if (maxValue <= 0 || firstBucketSize <= 0 || ratio <= 1 || halfLifeSeconds <= 0) {
            throw new IllegalArgumentException("histogram needs positive max, first bucket, half-life and ratio > 1");
        }
        this.first = firstBucketSize;
        this.ratio = ratio;
        this.buckets = (int) Math.ceil(Math.log(maxValue * (ratio - 1) / firstBucketSize + 1) / Math.log(ratio)) + 1;
        this.weight = new double[buckets];
        this.halfLifeSeconds = halfLifeSeconds;
        this.minBucket = buckets - 1;
        this.maxBucket = 0;
    }

    int bucketCount() {
        return buckets;
    }

    int findBucket(double value) {
        if (value < first) {
            return 0;
        }
        int b = (int) Math.floor(Math.log(value * (ratio - 1) / first + 1) / Math.log(ratio));
        return Math.min(b, buckets - 1);
    }

    double bucketStart(int bucket) {
        if (bucket == 0) {
            return 0;
        }
        return first * (Math.pow(ratio, bucket) - 1) / (ratio - 1);
    }

    private double decayFactor(long time) {
        if (!referenceSet) {
            referenceTime = Math.floorDiv(time, (long) halfLifeSeconds) * (long) halfLifeSeconds;
            referenceSet = true;
        }
        double exponent = (time - referenceTime) / halfLifeSeconds;
        if (exponent > MAX_DECAY_EXPONENT) {
            long newRef = Math.floorDiv(time, (long) halfLifeSeconds) * (long) halfLifeSeconds;
            double scale = Math.pow(2, (referenceTime - newRef) / halfLifeSeconds);
            total = 0;
            for (int b = 0; b < buckets; b++) {
                weight[b] *= scale;
                total += weight[b];
            }
            referenceTime = newRef;
            exponent = (time - referenceTime) / halfLifeSeconds;
        }
        return Math.pow(2, exponent);
    }

    void add(double value, double w, long time) {
        if (w < 0) {
            throw new IllegalArgumentException("sample weight must be >= 0");
        }
        double dw = w * decayFactor(time);
        int b = findBucket(value);
        weight[b] += dw;
        total += dw;
        if (b < minBucket && weight[b] >= EPSILON) {
            minBucket = b;
        }
        if (b > maxBucket && weight[b] >= EPSILON) {
            maxBucket = b;
        }
    }

    void subtract(double value, double w, long time) {
        double dw = w * decayFactor(time);
        int b = findBucket(value);
        weight[b] -= dw;
        total -= dw;
        if (weight[b] < EPSILON) {
            total -= weight[b];
            weight[b] = 0;
            updateMinMax();
        }
    }

    private void updateMinMax() {
        int lastBucket = buckets - 1;
        while (weight[minBucket] < EPSILON && minBucket < lastBucket) {
            minBucket++;
        }
        while (weight[maxBucket] < EPSILON && maxBucket > 0) {
            maxBucket--;
        }
    }

    boolean isEmpty() {
        return weight[minBucket] < EPSILON;
    }

    /** The end of the bucket where the cumulative weight reaches {@code p} of the total; 0 if empty. */
    double percentile(double p) {
        if (isEmpty()) {
            return 0;
        }
        double partial = 0;
        double threshold = p * total;
        int b = minBucket;
        for (; b < maxBucket; b++) {
            partial += weight[b];
            if (partial >= threshold) {
                break;
            }
        }
        if (b < buckets - 1) {
            return bucketStart(b + 1);
        }
        return bucketStart(b);
    }
}
