package dev.attnc.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchTableTest {
    @Test
    void oneRowPerContenderWithRateSpeedupAndCheck() {
        String t = BenchTable.render(Rows.report());
        assertTrue(t.startsWith("attnc bench on java: CPU (2 cores); float32; kernel time of 5 runs"), t);
        // 4 * 64 * 4M pairs in 10 ms = 107 GFLOP/s; the handwritten kernel twice as fast
        assertTrue(TableRows.has(t, "full", "1,4,4,1024,1024,64", "100%", "attnc", "10.00", "9.00-11.00", "107", "", "ok 2.0e-06"), t);
        assertTrue(TableRows.has(t, "", "", "", "handwritten java", "5.00", "4.50-5.50", "215", "0.50x", "ok 2.0e-06"), t);
        assertTrue(t.contains("FAILED* 5.0e-01, 3 non-finite (tol 2e-03)"), t);
        assertTrue(t.contains("* checked against the reference interpreter at Q_LEN=256 KV_LEN=256"), t);
        assertTrue(TableRows.has(t, "causal", "1,4,4,1024,1024,128", "attnc", "12.50", "0.500"), t);
        assertTrue(TableRows.has(t, "causal", "1,4,4,1024,1024,128", "50.0%", "attnc", "8.00", "7.20-8.80", "134"), t);
    }

    @Test
    void everyLineOfTheTableHasTheSameWidth() {
        List<String> lines = BenchTable.render(Rows.report()).lines().filter(l -> l.startsWith("| variant | shape B")).toList();
        assertEquals(1, lines.size());
        String t = BenchTable.render(Rows.report());
        int start = t.indexOf("| variant | shape B");
        List<String> table = t.substring(start).lines().takeWhile(l -> l.startsWith("|")).toList();
        assertEquals(5, table.size());
        assertTrue(table.stream().allMatch(l -> l.length() == table.getFirst().length()), String.join("\n", table));
    }

    @Test
    void teraflopsOnceAnythingReachesAThousandGigaflops() {
        BenchReport r = new BenchReport("cuda", "H100", "bfloat16", 3, 0.2, 5, List.of(
                Rows.row("full", Rows.S64, "attnc", "attnc", 0.002, Rows.FULL_PAIRS, Rows.ok(Rows.S64))), null);
        String t = BenchTable.render(r);
        assertTrue(t.contains("TFLOP/s"), t);
        assertTrue(t.contains("537"), t); // 1.07e9 flops in 2 us
        assertFalse(t.contains("GFLOP/s"), t);
    }
}
