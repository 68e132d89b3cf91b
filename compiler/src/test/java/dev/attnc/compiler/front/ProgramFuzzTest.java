package dev.attnc.compiler.front;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The front end's fuzzer: random programs from the grammar ({@link ProgramGenerator}) and
 * mutations of samples/*.attn ({@link Mutator}), each checked against {@link FrontEndProperty}.
 * Bounded by time: {@code -Dattnc.fuzz.seconds=N} (60 by default), from seed
 * {@code -Dattnc.fuzz.seed=S}; program i uses seed S + i, so a failure can be made again. A failing
 * input is written to target/fuzz-failures/; copy it to tests/fuzz-regressions/ with the fix, where
 * {@link FuzzRegressionsTest} keeps it.
 */
class ProgramFuzzTest {
    @Test
    void everyProgramCompilesOrGetsDiagnostics() throws IOException {
        long seconds = Long.getLong("attnc.fuzz.seconds", 60);
        long seed = Long.getLong("attnc.fuzz.seed", 15_2026L);
        List<String> samples = samples();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int tried = 0;
        int generated = 0;
        List<String> failures = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            Random random = new Random(seed + tried);
            byte[] program;
            if (random.nextInt(3) == 0) {
                program = ProgramGenerator.generate(random).getBytes(StandardCharsets.UTF_8);
                generated++;
            } else {
                String base = random.nextInt(4) == 0 ? ProgramGenerator.generate(random) : samples.get(random.nextInt(samples.size()));
                program = Mutator.mutate(base, random);
            }
            String name = "fuzz-" + (seed + tried) + ".attn";
            String violation = FrontEndProperty.violation(name, program);
            tried++;
            if (violation != null) {
                Path saved = Path.of("target", "fuzz-failures", name);
                Files.createDirectories(saved.getParent());
                Files.write(saved, program);
                failures.add(saved + ": " + violation);
            }
        }
        System.out.printf("front-end fuzz: %d programs tried (%d generated, %d mutated), %d failures, seed %d, %d s%n",
                tried, generated, tried - generated, failures.size(), seed, seconds);
        assertEquals(List.of(), failures);
    }

    static List<String> samples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "samples"))) {
            List<String> out = new ArrayList<>();
            for (Path p : files.filter(p -> p.toString().endsWith(".attn")).sorted().toList()) out.add(Files.readString(p));
            return out;
        }
    }
}
