package dev.attnc.compiler.target;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** When the policy splits the key range, and how many ways. */
class SplitKvTest {
    @Test
    void prefillFillsTheDeviceAndIsNotSplit() {
        // B=2 H=16 S=8192 in 64-row tiles: 4096 tasks on 2 threads or 132 OpenCL units
        assertEquals(1, SplitKv.splits(SplitKv.java(2), 2L * 16 * 128, 128));
        assertEquals(1, SplitKv.splits(SplitKv.opencl(132), 2L * 16 * 128, 128));
    }

    @Test
    void decodeSplitsUntilEveryUnitHasItsShare() {
        // B=1 H=1 Q_LEN=1, 65536 keys in 64-key tiles: 1 task, 2 threads want 4
        assertEquals(4, SplitKv.splits(SplitKv.java(2), 1, 1024));
        // B=1 H=8: 8 tasks already give 2 threads their 4
        assertEquals(1, SplitKv.splits(SplitKv.java(2), 8, 1024));
        // a GPU of 132 compute units, B=1 H=8: ceil(528 / 8) = 66, at most MAX_SPLITS
        assertEquals(SplitKv.MAX_SPLITS, SplitKv.splits(SplitKv.opencl(132), 8, 1024));
        assertEquals(17, SplitKv.splits(SplitKv.opencl(132), 32, 1024));
    }

    @Test
    void noSplitIsShorterThanItsMinimumOfKeptTiles() {
        // a sliding window keeps 20 tiles: 2 splits of 8 or more
        assertEquals(2, SplitKv.splits(SplitKv.java(64), 1, 20));
        // fewer kept tiles than one split's minimum: no split
        assertEquals(1, SplitKv.splits(SplitKv.java(64), 1, 7));
        assertEquals(1, SplitKv.splits(SplitKv.java(64), 1, 0));
    }
}
