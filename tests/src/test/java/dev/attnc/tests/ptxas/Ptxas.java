package dev.attnc.tests.ptxas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nvcc's ptxas, run on a generated CUDA program as NVRTC would build it (the decision's flags), read
 * for what it says of each kernel: registers, spills, stack, and its performance warnings (C75xx:
 * wgmma serialized, a warpgroup.arrive injected). CI machines of this project's kind have nvcc but
 * no GPU, so this is how the kernels' register allocation is checked there.
 */
final class Ptxas {
    private Ptxas() {}

    /** What ptxas says of one kernel of a program. */
    record Kernel(String name, int registers, int stackFrame, int spillStores, int spillLoads, List<String> warnings, boolean serialized) {
        String line() {
            return name + ": " + registers + " registers, " + spillStores + " / " + spillLoads + " bytes spilled, "
                    + stackFrame + " bytes stack" + (warnings.isEmpty() ? "" : ", " + String.join(" ", warnings));
        }
    }

    /** The result of one compile: the kernels in ptxas's order, or the compiler's complaint. */
    record Result(List<Kernel> kernels, String error) {}

    /** The nvcc on the PATH (or $ATTNC_NVCC), with its version line ("release 13.0, V13.0.88"), if it runs. */
    static Optional<String> version() {
        try {
            Process p = new ProcessBuilder(nvcc(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) return Optional.empty();
            Matcher m = Pattern.compile("release [0-9.]+, V[0-9.]+").matcher(out);
            return m.find() ? Optional.of(m.group()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String nvcc() {
        String env = System.getenv("ATTNC_NVCC");
        return env == null || env.isBlank() ? "nvcc" : env;
    }

    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '(\\w+)'");
    private static final Pattern FRAME = Pattern.compile("(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern WARNING = Pattern.compile("\\((C75\\d\\d)\\).*function '(\\w+)'");

    /** Compiles {@code text} to a cubin in {@code dir} with NVRTC's {@code flags}; ptxas's report of each kernel. */
    static Result compile(String text, String name, List<String> flags, Path dir) throws IOException, InterruptedException {
        Path cu = dir.resolve(name + ".cu");
        Files.writeString(cu, text);
        List<String> cmd = new ArrayList<>(List.of(nvcc(), "-cubin", "-Xptxas", "-v", "-o", dir.resolve(name + ".cubin").toString()));
        cmd.addAll(flags);
        cmd.add(cu.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) return new Result(List.of(), out.isBlank() ? "nvcc failed" : out);
        return new Result(kernels(out), null);
    }

    /** ptxas -v's lines, kernel by kernel (an entry line, then its frame and register lines); its warnings by function. */
    static List<Kernel> kernels(String out) {
        List<Kernel> kernels = new ArrayList<>();
        String name = null;
        int frame = 0, stores = 0, loads = 0;
        for (String line : out.split("\n")) {
            Matcher e = ENTRY.matcher(line), f = FRAME.matcher(line), u = USED.matcher(line);
            if (e.find()) {
                name = e.group(1);
            } else if (f.find() && name != null) {
                frame = Integer.parseInt(f.group(1));
                stores = Integer.parseInt(f.group(2));
                loads = Integer.parseInt(f.group(3));
            } else if (u.find() && name != null) {
                kernels.add(new Kernel(name, Integer.parseInt(u.group(1)), frame, stores, loads, warnings(out, name), serialized(out, name)));
                name = null;
            }
        }
        return kernels;
    }

    /** Whether ptxas serialized the kernel's wgmma instructions (C7510 .. C7515: "wgmma.mma_async instructions are serialized"). */
    private static boolean serialized(String out, String kernel) {
        return out.lines().anyMatch(l -> l.contains("serialized") && l.contains("'" + kernel + "'"));
    }

    private static List<String> warnings(String out, String kernel) {
        List<String> codes = new ArrayList<>();
        Matcher w = WARNING.matcher(out);
        while (w.find()) {
            if (w.group(2).equals(kernel) && !codes.contains(w.group(1))) codes.add(w.group(1));
        }
        return codes;
    }
}
