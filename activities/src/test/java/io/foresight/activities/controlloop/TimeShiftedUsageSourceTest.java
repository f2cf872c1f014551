package io.foresight.activities.controlloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.foresight.core.model.Resource;
import io.foresight.core.trace.BitbrainsReader;
import io.foresight.core.trace.Trace;
import io.foresight.core.trace.UserSeries;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeShiftedUsageSourceTest {
    private static final Trace REAL = BitbrainsReader.read(OneEngineParityTest.slice()); // 20 real VMs

    @Test
    void thePoolIsTheRealVmsThenRotatedCopiesOfThem() {
        TimeShiftedUsageSource src = new TimeShiftedUsageSource(REAL, 45, 288);
        List<String> ids = REAL.userIds();
        assertEquals(45, src.users().size());
        assertEquals(20, src.realUsers());
        assertEquals(ids, src.users().subList(0, 20));
        assertEquals(ids.get(0) + "~1", src.users().get(20));
        assertEquals(ids.get(4) + "~2", src.users().get(44));

        UserSeries vm = REAL.user(ids.get(3));
        int n = vm.size();
        String copy = ids.get(3) + "~2";
        UserSeries shifted = src.history(copy, 300);
        assertEquals(300, shifted.size());
        for (int i : new int[] {0, 1, 299}) {
            int j = (i + 2 * 37) % n;
            assertEquals(vm.timestamp(i), shifted.timestamp(i), "the copy keeps the VM's clock");
            for (Resource r : Resource.values()) {
                assertEquals(vm.usage(r, j), shifted.usage(r, i), 0.0, "copy 2 replays the VM 74 intervals ahead");
                assertEquals(vm.capacity(r, j), shifted.capacity(r, i), 0.0);
            }
        }
        // an interval read alone is the same as the history's (what collect reads every cycle)
        UsageSource.Sample s = src.sample(copy, 299);
        assertEquals(shifted.timestamp(299), s.at());
        assertArrayEquals(shifted.usageAt(299).toArray(), s.usage().toArray(), 0.0);
        assertArrayEquals(shifted.capacityAt(299).toArray(), s.provisioned().toArray(), 0.0);
        // and the real VMs read as the plain trace does
        TraceUsageSource plain = new TraceUsageSource(REAL, 288);
        assertEquals(plain.sample(ids.get(3), 10), src.sample(ids.get(3), 10));
        assertNull(src.sample(copy, n), "past the end of the VM's series");
    }

    @Test
    void aTraceSampleIsTheIntervalOfTheHistory() {
        TraceUsageSource plain = new TraceUsageSource(REAL, 288);
        String user = REAL.userIds().get(0);
        UserSeries h = plain.history(user, 501);
        assertEquals(UsageSource.Sample.of(h, 500), plain.sample(user, 500));
        assertNull(plain.sample(user, REAL.user(user).size()));
    }

    @Test
    void unknownUsersAreRefused() {
        TimeShiftedUsageSource src = new TimeShiftedUsageSource(REAL, 30, 288);
        assertThrows(IllegalArgumentException.class, () -> src.sample("nope~1", 0));
        assertThrows(IllegalArgumentException.class, () -> src.sample(REAL.userIds().get(0) + "~x", 0));
    }
}
