package dev.attnc.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianAndNearestRankPercentiles() {
        long[] nanos = new long[10];
        for (int i = 0; i < 10; i++) nanos[i] = (10 - i) * 1_000_000L; // 10 ms .. 1 ms, unsorted
        Stats s = Stats.ofNanos(nanos);
        assertEquals(10, s.runs());
        assertEquals(5.5, s.medianMs(), 1e-12);
        assertEquals(1.0, s.p10Ms(), 1e-12);
        assertEquals(9.0, s.p90Ms(), 1e-12);
        assertEquals(1.0, s.minMs(), 1e-12);
        assertEquals(10.0, s.maxMs(), 1e-12);
    }

    @Test
    void oddCountsTakeTheMiddle() {
        Stats s = Stats.ofNanos(new long[] {3_000_000, 1_000_000, 2_000_000});
        assertEquals(2.0, s.medianMs(), 1e-12);
        assertEquals(1.0, s.p10Ms(), 1e-12);
        assertEquals(3.0, s.p90Ms(), 1e-12);
    }
}
