package io.foresight.collect.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.foresight.core.model.Resource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusSourceTest {
    @Test
    void chunksCoverTheWindowWithoutOverlapAndStayBelowTheLimit() {
        List<PrometheusSource.Chunk> c = PrometheusSource.chunks(0, 20_159 * 60L, 60, 11_000);
        assertEquals(2, c.size());
        assertEquals(new PrometheusSource.Chunk(0, 10_999 * 60L), c.get(0));
        assertEquals(new PrometheusSource.Chunk(11_000 * 60L, 20_159 * 60L), c.get(1));
        for (PrometheusSource.Chunk k : c) {
            assertTrue((k.end() - k.start()) / 60 + 1 <= 11_000);
        }
        assertEquals(List.of(new PrometheusSource.Chunk(300, 300)), PrometheusSource.chunks(300, 300, 300, 11_000));
        assertEquals(5, PrometheusSource.chunks(0, 4031 * 300L, 300, 1000).size());
    }

    @Test
    void configValidatesAndLoadsFromProperties(@TempDir Path dir) throws Exception {
        URI u = URI.create("http://127.0.0.1:9090");
        assertThrows(IllegalArgumentException.class, () -> PrometheusSource.Config.kubernetes(u, "bad-label"));
        assertThrows(IllegalArgumentException.class,
                () -> new PrometheusSource.Config(u, "ns", Map.of(Resource.CPU, "x"), Duration.ofSeconds(1), 11_001));
        assertThrows(IllegalArgumentException.class, () -> new PrometheusSource.Config(u, "ns", Map.of(), Duration.ofSeconds(1), 100));
        Path f = Files.writeString(dir.resolve("p.properties"), "prometheus.url=http://prom:9090\nprometheus.user-label=team\n"
                + "prometheus.query.disk=\nprometheus.query.cpu=sum by ({{label}}) (my_cpu)\n");
        PrometheusSource.Config c = PrometheusSource.Config.load(f);
        assertEquals("team", c.userLabel());
        assertEquals("sum by (team) (my_cpu)", c.query(Resource.CPU));
        assertEquals(null, c.query(Resource.DISK));
        assertTrue(c.query(Resource.MEMORY).startsWith("sum by (team) (container_memory_working_set_bytes"));
        Path none = Files.writeString(dir.resolve("q.properties"), "x=1\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PrometheusSource.Config.load(none))
                .getMessage().contains("prometheus.url"));
        assertEquals("a\\\"b\\\\c", PrometheusSource.promString("a\"b\\c"));
    }

    @Test
    void emptyOrInvertedWindowsAreRejected() {
        PrometheusSource.Config c = PrometheusSource.Config.kubernetes(URI.create("http://127.0.0.1:9"), "namespace");
        assertThrows(IllegalArgumentException.class, () -> new PrometheusSource(c, 100, 100, 60));
        assertThrows(IllegalArgumentException.class, () -> new PrometheusSource(c, 0, 100, 0));
    }
}
