package io.foresight.collect.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.trace.JobColumns;
import io.foresight.core.trace.SwfReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.ValidationReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Execution records kept by the ingestion store carry the same queue signal as the job log they came from: the
 * job states built from the records read back equal the ones built from the file (one conversion,
 * {@code SwfReader.toTrace}, for both).
 */
class StoredJobsQueueSignalTest {
    @Test
    void jobStatesFromStoredExecutionsEqualTheLogs(@TempDir Path dir) {
        SwfReader.Log log = SwfReader.readLog(List.of(Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz")));
        Trace fromFile = SwfReader.toTrace(log);
        List<ExecutionRecord> back = new ArrayList<>();
        DuckDbStore store = DuckDbStore.open(dir.resolve("store.duckdb"));
        try {
            store.write(WriteBatch.builder("lcg").executions(log.records()).build());
            back.addAll(store.executions(null, 0, Long.MAX_VALUE));
        } finally {
            store.close();
        }
        assertEquals(log.records().size(), back.size(), "every job is kept");
        Trace fromStore = SwfReader.toTrace(new SwfReader.Log(back, new ValidationReport("store")));
        int compared = 0;
        for (String user : fromFile.userIds()) {
            JobColumns a = fromFile.user(user).jobs();
            JobColumns b = fromStore.user(user).jobs();
            assertEquals(a.size(), b.size(), user);
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.known(io.foresight.core.model.Resource.CPU, i), b.known(io.foresight.core.model.Resource.CPU, i),
                        1e-9, user + " at " + i);
                assertEquals(a.recentJob(io.foresight.core.model.Resource.CPU, i),
                        b.recentJob(io.foresight.core.model.Resource.CPU, i), 1e-9, user + " at " + i);
                compared++;
            }
        }
        assertTrue(compared > 10_000, "compared " + compared);
    }
}
