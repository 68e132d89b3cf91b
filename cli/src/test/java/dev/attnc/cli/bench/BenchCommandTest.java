package dev.attnc.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.io.Npy;
import dev.attnc.testkit.Repo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnc bench} end to end on the java target, small and quick: 2 timed runs. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run bench(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = BenchCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void benchesChecksAndWritesJsonChartAndInputs() throws Exception {
        Path json = tmp.resolve("r.json"), png = tmp.resolve("r.png"), dump = tmp.resolve("inputs");
        Run r = bench(Repo.sample("full").toString(), Repo.sample("causal").toString(), Repo.sample("sliding_window").toString(),
                "--shapes", "1,2,1,64,64,32;1,2,2,80,80,16", "--runs", "2", "--warmup", "1", "--warmup-time", "0", "--baselines",
                "--arg", "window=8", "--json", json.toString(), "--png", png.toString(), "--dump-inputs", dump.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("[1/6] full 1,2,1,64,64,32 float32: check ok"), r.err());
        assertTrue(r.err().contains("[6/6] sliding_window 1,2,2,80,80,16 float32"), r.err());
        assertTrue(r.out().contains("| handwritten java |"), r.out());
        Map<String, Object> top = (Map<String, Object>) Json.parse(Files.readString(json));
        List<Map<String, Object>> results = (List<Map<String, Object>>) top.get("results");
        assertEquals(10, results.size()); // 3 variants x 2 shapes, and the handwritten kernel for 2 of them
        for (Map<String, Object> x : results) {
            assertEquals(Boolean.TRUE, ((Map<String, Object>) x.get("check")).get("passed"), x.toString());
        }
        // sliding window 8 on 64 keys: sum over q of min(q, 8) + 1, for 2 heads
        Map<String, Object> sw = results.stream().filter(x -> x.get("variant").equals("sliding_window")).findFirst().orElseThrow();
        long perHead = 0;
        for (int q = 0; q < 64; q++) perHead += Math.min(q, 8) + 1;
        assertEquals(2.0 * perHead, (Double) sw.get("kept_pairs"));
        assertTrue(Files.size(png) > 1000);
        Map<String, Object> manifest = (Map<String, Object>) Json.parse(Files.readString(dump.resolve("manifest.json")));
        Map<String, Object> shape0 = ((List<Map<String, Object>>) manifest.get("shapes")).getFirst();
        assertEquals("1x2x1x64x64x32", shape0.get("dir"));
        assertEquals(3, ((List<?>) shape0.get("variants")).size());
        assertEquals(64L * 32 * 2, Npy.read(dump.resolve("1x2x1x64x64x32").resolve("q.npy")).elementCount());
        assertTrue(Files.exists(dump.resolve("1x2x1x64x64x32").resolve("causal.o.npy")));
    }

    @Test
    void shapesTooLargeForTheReferenceAreCheckedShorter() {
        Run r = bench(Repo.sample("causal").toString(), "--shapes", "1,1,1,300,300,16", "--runs", "2", "--warmup", "0",
                "--warmup-time", "0", "--check-limit", "1000", "--check-length", "40");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ok* "), r.out());
        assertTrue(r.out().contains("checked against the reference interpreter at Q_LEN=40 KV_LEN=40"), r.out());
    }

    @Test
    void missingTensorArgumentsGetRandomDataAndSaySo() {
        Run r = bench(Repo.sample("alibi").toString(), "--shapes", "1,2,2,32,32,16", "--runs", "2", "--warmup", "0", "--warmup-time", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("(slopes not given: random data; --arg slopes=FILE.npy gives yours) check ok"), r.err());
        Run quiet = bench(Repo.sample("alibi").toString(), "--shapes", "1,2,2,32,32,16", "--runs", "2", "--warmup", "0", "--warmup-time", "0",
                "--random-args");
        assertTrue(!quiet.err().contains("random data"), quiet.err());
    }

    @Test
    void anArgumentNoVariantTakesIsAnError() {
        Run r = bench(Repo.sample("causal").toString(), "--arg", "window=3");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("none of the benchmarked attentions takes an argument 'window'"), r.err());
    }

    @Test
    void aBadArgumentSkipsThatVariantOnly() {
        Path slopes = tmp.resolve("slopes.npy");
        Npy.write(slopes, dev.attnc.Tensor.ofFloats(new float[] {1, 2, 3}, 3)); // alibi wants H = 1 slopes
        Run r = bench(Repo.sample("alibi").toString(), Repo.sample("causal").toString(), "--shapes", "1,1,1,32,32,16",
                "--runs", "2", "--warmup", "0", "--warmup-time", "0", "--arg", "slopes=" + slopes);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.out().contains("alibi 1,1,1,32,32,16, attnc: error: argument 'slopes' of attention 'alibi' must have shape [1]"), r.out());
        assertTrue(r.out().contains("| causal "), r.out());
    }
}
