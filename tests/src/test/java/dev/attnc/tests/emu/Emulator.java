package dev.attnc.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** bench/gpu/emu's CPU emulator of CUDA kernels, driven from tests: a harness compiled with g++, then run. */
final class Emulator {
    private Emulator() {}

    /** Whether g++ is installed (the emulator's tests skip without it). */
    static boolean available() {
        try {
            return new ProcessBuilder("g++", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The first attention of a program file, optimized as the backends take it. */
    static Attention firstAttention(Path file) throws IOException {
        Compilation compiled = Compilation.of(SourceFile.read(file)).orThrow();
        return compiled.optimized(compiled.attentionNames().getFirst());
    }

    /** Compiles bench/gpu/emu/{@code harness} with these -D definitions into {@code exe} and runs it; its output, having asserted both exited 0. */
    static String run(String harness, Path kernel, Path exe, List<String> defines) throws IOException, InterruptedException {
        List<String> gpp = new ArrayList<>(List.of("g++", "-std=c++20", "-O1", "-w", "-I" + Repo.path("bench/gpu/emu"),
                "-DKERNEL_FILE=\"" + kernel + "\"", "-DARGS_FILE=\"" + kernel + ".args.h\""));
        for (String d : defines) gpp.add("-D" + d);
        gpp.addAll(List.of("-o", exe.toString(), Repo.path("bench/gpu/emu/" + harness).toString()));
        String built = exec(gpp, 240);
        return built + exec(List.of(exe.toString()), 120);
    }

    private static String exec(List<String> command, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "timed out: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + text);
        return text;
    }
}
