package io.foresight.core.eval;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForecastPlotTest {
    @TempDir
    Path dir;

    @Test
    void writesAPngWithOrWithoutTheUpperBoundAndRefusesSeriesOfDifferentLengths() throws Exception {
        double[] a = {1, 2, 3, 2};
        double[] f = {1.1, 1.9, 2.5, Double.NaN};
        Path with = dir.resolve("with.png");
        Path without = dir.resolve("without.png");
        ForecastPlot.write(with, "t", a, f, new double[] {2, 3, 4, 3});
        ForecastPlot.write(without, "t", a, f, null);
        assertTrue(ImageIO.read(with.toFile()).getWidth() > 0);
        assertTrue(Files.size(without) > 0);
        assertThrows(IllegalArgumentException.class, () -> ForecastPlot.write(dir.resolve("x.png"), "t", a, new double[3], null));
    }
}
