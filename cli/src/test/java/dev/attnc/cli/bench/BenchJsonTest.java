package dev.attnc.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchJsonTest {
    @Test
    @SuppressWarnings("unchecked")
    void everyRowWithItsNumbers() {
        Map<String, Object> top = (Map<String, Object>) Json.parse(BenchJson.of(Rows.report()));
        assertEquals("java", top.get("target"));
        List<Map<String, Object>> results = (List<Map<String, Object>>) top.get("results");
        assertEquals(3, results.size());
        Map<String, Object> hw = results.get(1);
        assertEquals("handwritten java", hw.get("contender"));
        assertEquals(List.of(1.0, 4.0, 4.0, 1024.0, 1024.0, 64.0), hw.get("shape"));
        assertEquals(5.0, (Double) hw.get("median_ms"), 1e-9);
        assertEquals(0.5, (Double) hw.get("speedup_of_attnc"), 1e-9);
        assertEquals(4.0 * 64 * Rows.FULL_PAIRS / 5e-3 / 1e9, (Double) hw.get("gflops"), 1e-3);
        assertEquals(1.0, (Double) hw.get("density"), 1e-12);
        assertNull(hw.get("first_call_ms"));
        Map<String, Object> check = (Map<String, Object>) results.get(2).get("check");
        assertFalse((Boolean) check.get("passed"));
        assertEquals(Boolean.TRUE, check.get("reduced"));
        assertEquals(List.of(1.0, 4.0, 4.0, 256.0, 256.0, 128.0), check.get("shape"));
    }

    @Test
    void resultsReadBackRenderTheSameTable() {
        BenchReport r = Rows.report();
        BenchReport back = BenchJsonReader.parse(BenchJson.of(r));
        assertEquals(BenchTable.render(r), BenchTable.render(back));
        assertEquals(BenchJson.of(r), BenchJson.of(back));
        Peers.Loaded p = Peers.parse(PeersTest.PEERS, r.rows());
        BenchReport merged = r.withPeers(p.rows(), p.device());
        assertEquals(BenchTable.render(merged), BenchTable.render(BenchJsonReader.parse(BenchJson.of(merged))));
    }

    @Test
    void jsonRoundTrips() {
        Object v = Map.of("a", List.of(1.5, "x\"y\n", true), "b", Map.of());
        assertEquals(Map.of("a", List.of(1.5, "x\"y\n", true), "b", Map.of()), Json.parse(Json.write(v)));
        assertEquals(List.of(1e-7, -3.25e12), Json.parse(Json.write(List.of(1e-7, -3.25e12))));
        assertNull(((List<?>) Json.parse(Json.write(List.of(Double.NaN)))).getFirst());
    }
}
