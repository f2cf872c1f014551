package io.foresight.workflows.controlloop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.foresight.core.alloc.AllocationMode;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Workflow parameters and the setMode signal carry the mode as the names recorded histories hold
 * ({@code "ENFORCE"}, {@code "DRY_RUN"}); Temporal's converter must read and write them unchanged.
 */
class ControlLoopParamsJsonTest {
    @Test
    void modeNamesOnTheWireAreTheRecordedOnes() {
        var converter = DefaultDataConverter.STANDARD_INSTANCE;
        for (AllocationMode m : AllocationMode.values()) {
            Optional<Payload> p = converter.toPayload(m);
            assertEquals("\"" + m.name() + "\"", p.orElseThrow().getData().toStringUtf8());
        }
        Payload recorded = converter.toPayload("DRY_RUN").orElseThrow();
        assertEquals(AllocationMode.DRY_RUN, converter.fromPayload(recorded, AllocationMode.class, AllocationMode.class));
    }

    @Test
    void paramsRoundTripWithTheirMode() {
        var converter = DefaultDataConverter.STANDARD_INSTANCE;
        ControlLoopParams p = ControlLoopParams.of("p1", "trace:x.csv").withMode(AllocationMode.DRY_RUN);
        Payload json = converter.toPayload(p).orElseThrow();
        assertEquals(true, json.getData().toStringUtf8().contains("\"mode\":\"DRY_RUN\""), json.getData().toStringUtf8());
        assertEquals(p, converter.fromPayload(json, ControlLoopParams.class, ControlLoopParams.class));
    }

    @Test
    void poolSettingsTravelInTheParamsAndShardTasksAndRecordedOnesWithoutThemStillRead() {
        var converter = DefaultDataConverter.STANDARD_INSTANCE;
        PoolSettings s = new PoolSettings("/rules", "batch", "challenger", "/users.properties", "kubernetes", "/kube", "ctx", "t-");
        ControlLoopParams p = ControlLoopParams.of("p1", "trace:x.csv").withSettings(s);
        assertEquals(p, converter.fromPayload(converter.toPayload(p).orElseThrow(), ControlLoopParams.class, ControlLoopParams.class));
        ShardTask t = ShardTask.of("p1", "trace:x.csv", 3, 1, 500).withSettings(s);
        assertEquals(t, converter.fromPayload(converter.toPayload(t).orElseThrow(), ShardTask.class, ShardTask.class));
        // a task recorded before settings travelled: the worker's own configuration
        Payload old = converter.toPayload("x").orElseThrow().toBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8(
                "{\"pool\":\"p\",\"dataSource\":\"trace:x\",\"cycle\":2,\"shard\":0,\"shardSize\":500,\"key\":\"p/2/0\"}")).build();
        ShardTask recorded = converter.fromPayload(old, ShardTask.class, ShardTask.class);
        assertEquals(null, recorded.settings());
        assertEquals(true, PoolSettings.WORKER.allFromWorker());
    }
}
