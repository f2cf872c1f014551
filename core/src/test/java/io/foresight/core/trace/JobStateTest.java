package io.foresight.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.ExecutionRecord;
import io.foresight.core.model.Resource;
import io.foresight.core.model.ResourceVector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job state a job log gives per interval (the queue signal's data): what it holds, and that it holds nothing later. */
class JobStateTest {
    static final int S = SwfReader.STEP_SECONDS;
    static final long T0 = 1_132_444_800L; // a step boundary

    static ExecutionRecord job(String id, String user, long submit, long start, long end, double cores) {
        return new ExecutionRecord(id, user, null, null, null, submit, start, end, ResourceVector.of(cores, Double.NaN, Double.NaN,
                Double.NaN), ExecutionRecord.Status.COMPLETED, List.of());
    }

    static UserSeries series(List<ExecutionRecord> jobs) {
        return SwfReader.toTrace(new SwfReader.Log(jobs, new ValidationReport("swf"))).user("u");
    }

    @Test
    void runningQueuedAndRecentAtEachIntervalsEnd() {
        // job a runs [T0, T0+10 min); b is submitted at T0+2 min, waits, runs [T0+6 min, T0+16 min) on 4 cores
        UserSeries s = series(List.of(job("a", "u", T0, T0, T0 + 600, 2), job("b", "u", T0 + 120, T0 + 360, T0 + 960, 4)));
        JobColumns j = s.jobs();
        // end of interval 0 (T0+5 min): a running, b waiting
        assertEquals(2, j.running(Resource.CPU, 0));
        assertEquals(4, j.queued(Resource.CPU, 0));
        assertEquals(4, j.recentJob(Resource.CPU, 0), "b is the latest submission");
        // end of interval 1 (T0+10 min): a ended exactly then (not running), b running
        assertEquals(4, j.running(Resource.CPU, 1));
        assertEquals(0, j.queued(Resource.CPU, 1));
        // end of interval 2 (T0+15 min): b still running; end of interval 3: nothing
        assertEquals(4, j.running(Resource.CPU, 2));
        assertEquals(0, j.running(Resource.CPU, 3));
        assertTrue(Double.isNaN(j.running(Resource.MEMORY, 0)), "memory is not in this log");
        assertEquals(4 + 0, j.known(Resource.CPU, 1));
    }

    @Test
    void theStateAtAnIntervalsEndDoesNotDependOnWhatHappensLater() {
        // two logs that agree on everything known at T0+20 min: jobs submitted by then, and that the running ones
        // have not ended; after it they differ (a later end, a later start of a waiting job, later submissions)
        long cut = T0 + 20 * 60;
        List<ExecutionRecord> a = new ArrayList<>(List.of(
                job("1", "u", T0, T0, T0 + 300, 1),
                job("2", "u", T0 + 100, T0 + 100, cut + 600, 3),   // running across the cut
                job("3", "u", T0 + 700, cut + 60, cut + 900, 5),   // waiting across the cut
                job("4", "u", T0 + 4 * 3600, T0 + 4 * 3600, T0 + 5 * 3600, 8)));
        List<ExecutionRecord> b = new ArrayList<>(List.of(
                job("1", "u", T0, T0, T0 + 300, 1),
                job("2", "u", T0 + 100, T0 + 100, cut + 7200, 3),
                job("3", "u", T0 + 700, cut + 1800, cut + 3600, 5),
                job("5", "u", cut + 1, cut + 1, cut + 90, 64)));
        JobColumns ja = series(a).jobs();
        JobColumns jb = series(b).jobs();
        int lastKnown = (int) ((cut - T0) / S) - 1; // the interval that ends at the cut
        for (int i = 0; i <= lastKnown; i++) {
            assertEquals(ja.at(i).running()[0], jb.at(i).running()[0], "running at the end of interval " + i);
            assertEquals(ja.at(i).queued()[0], jb.at(i).queued()[0], "queued at the end of interval " + i);
            assertEquals(ja.at(i).recentJob()[0], jb.at(i).recentJob()[0], "latest job at the end of interval " + i);
        }
        assertEquals(5, ja.queued(Resource.CPU, lastKnown), "job 3 waits at the cut");
        assertEquals(3, ja.running(Resource.CPU, lastKnown));
        assertTrue(ja.running(Resource.CPU, lastKnown + 1) != jb.running(Resource.CPU, lastKnown + 1)
                || ja.queued(Resource.CPU, lastKnown + 1) != jb.queued(Resource.CPU, lastKnown + 1)
                || ja.recentJob(Resource.CPU, lastKnown + 1) != jb.recentJob(Resource.CPU, lastKnown + 1),
                "the logs differ right after the cut, so the check can catch a leak");
    }

    @Test
    void onTheRealLcgSliceRunningJobsAtAnIntervalsEndMatchTheNextIntervalsUsage() {
        Trace t = SwfReader.read(List.of(Path.of("..", "data", "lcg-slice", "LCG-first-3-days.swf.gz")));
        double usage = 0;
        double known = 0;
        int n = 0;
        int above = 0;
        for (UserSeries s : t.users().values()) {
            for (int i = 0; i + 1 < s.size(); i++) {
                double k = s.jobs().known(Resource.CPU, i);
                double u = s.usage(Resource.CPU, i + 1);
                usage += u;
                known += k;
                n++;
                above += u > k + 1e-9 ? 1 : 0;
                assertTrue(k >= 0 && s.jobs().queued(Resource.CPU, i) == 0, "LCG records no wait times: nothing queues");
            }
        }
        // demand already running at an interval's end is most of the next interval's usage (jobs end and start in it)
        assertEquals(1.0, known / usage, 0.1, "known " + known + " vs usage " + usage);
        assertTrue(above < 0.05 * n, "usage exceeds the known demand in few intervals: " + above + " of " + n);
    }
}
