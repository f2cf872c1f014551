package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreCacheTest {
    record Rows(long cycle, List<double[]> rows) {}

    @TempDir
    Path dir;

    @Test
    void aValueThisStoreWroteIsReadBackWithoutParsingUntilAnotherWriterReplacesTheFile() {
        FileStateStore mine = new FileStateStore(dir);
        FileStateStore other = new FileStateStore(dir); // another worker sharing the directory
        Rows first = new Rows(1, List.of(new double[] {0.1, Double.NaN}));
        mine.write("pools/p/planner/shard-0.json", first);
        assertSame(first, mine.read("pools/p/planner/shard-0.json", Rows.class), "the value written, not a parse of it");

        other.write("pools/p/planner/shard-0.json", new Rows(2, List.of(new double[] {0.3, 0.7})));
        Rows now = mine.read("pools/p/planner/shard-0.json", Rows.class);
        assertEquals(2, now.cycle(), "the file another writer replaced is read again");
        assertEquals(0.7, now.rows().get(0)[1], 0.0);
        assertSame(now, mine.read("pools/p/planner/shard-0.json", Rows.class), "and then kept");

        mine.deleteTree("pools/p/planner");
        mine.writeBytes("pools/p/planner/shard-0.json", "{\"cycle\":3,\"rows\":[]}".getBytes());
        Rows raw = mine.read("pools/p/planner/shard-0.json", Rows.class);
        assertEquals(3, raw.cycle(), "bytes written directly replace what was remembered");
        assertNotSame(first, raw);
    }
}
