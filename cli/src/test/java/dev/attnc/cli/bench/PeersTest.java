package dev.attnc.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Peers' rows join attnc's by (variant, shape, dtype), with attnc's pair count. */
class PeersTest {
    static final String PEERS = """
            {"device": "NVIDIA H100 80GB HBM3", "torch": "2.9.0",
             "results": [
              {"variant": "full", "shape": [1,4,4,1024,1024,64], "dtype": "float32", "contender": "flex",
               "median_ms": 2.0, "tflops": 99.0, "max_err": 0.003, "compile_s": 4.5, "block_mask_ms": NaN},
              {"variant": "full", "shape": "1,4,4,1024,1024,64", "dtype": "f32", "contender": "sdpa_fa2",
               "median_ms": 1.0, "tflops": 1.07, "max_err": null},
              {"variant": "full", "shape": [1,4,4,1024,1024,64], "dtype": "float32", "contender": "cudnn", "error": "no cuDNN"},
              {"variant": "softcap", "shape": [1,4,4,1024,1024,64], "dtype": "float32", "contender": "flex",
               "median_ms": 4.0, "tflops": 0.2684354560}
             ]}""";

    @Test
    void peersTakeAttncsPairCountAndStandAloneOnesTheirOwn() {
        Peers.Loaded p = Peers.parse(PEERS, Rows.report().rows());
        assertEquals("NVIDIA H100 80GB HBM3", p.device());
        List<Measurement> rows = p.rows();
        assertEquals(4, rows.size());
        Measurement flex = rows.get(0);
        assertEquals(Rows.FULL_PAIRS, flex.keptPairs()); // attnc's, not 99 TFLOP/s worth
        assertEquals(4.0 * 64 * Rows.FULL_PAIRS / 2e-3 / 1e9, flex.gflops(), 1e-6);
        assertEquals(4500, flex.prepareMs(), 1e-9);
        assertTrue(Double.isNaN(flex.planMs()));
        assertEquals(0.003, flex.check().peerMaxError(), 1e-12);
        assertEquals("float32", rows.get(1).dtype());
        assertNull(rows.get(2).stats());
        assertEquals("error: no cuDNN", rows.get(2).note());
        assertEquals(Rows.FULL_PAIRS, rows.get(3).keptPairs()); // from its own TFLOP/s: 0.268 TFLOP/s in 4 ms
    }

    @Test
    void mergedTableShowsPeersBesideAttnc() {
        BenchReport r = Rows.report();
        Peers.Loaded p = Peers.parse(PEERS, r.rows());
        String t = BenchTable.render(r.withPeers(p.rows(), p.device()));
        assertTrue(t.contains("peers measured on NVIDIA H100 80GB HBM3 (another device than attnc's"), t);
        assertTrue(TableRows.has(t, "flex", "2.00", "", "0.54", "0.20x", "vs attnc O 3.0e-03"), t); // TFLOP/s: sdpa reached 1.07
        assertTrue(TableRows.has(t, "cudnn", "-", "", "-", "", "-"), t);
        assertTrue(TableRows.has(t, "softcap", "1,4,4,1024,1024,64", "100%", "flex", "4.00"), t);
        assertTrue(t.contains("full 1,4,4,1024,1024,64, cudnn: error: no cuDNN"), t);
        assertTrue(TableRows.has(t, "full", "1,4,4,1024,1024,64", "flex", "4500.0", "-"), t);
    }
}
