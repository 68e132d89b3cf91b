package dev.attnc.ffm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.attnc.DeviceException;
import dev.attnc.DeviceUnavailableException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * NVRTC, the CUDA C++ compiler as a library, through {@code java.lang.foreign}. It turns a
 * kernel's source into PTX/cubin in-process, so the GPU backend needs neither nvcc nor a disk.
 *
 * <p>NVRTC is not on the loader's default path on most machines (CUDA keeps it in
 * {@code /usr/local/cuda/lib64}), hence the search: {@code ATTNC_NVRTC} (a path, used alone when
 * set), then the sonames of CUDA 13 and 12, then the files in CUDA's library folders.
 */
public final class Nvrtc {
    private static final List<String> NAMES = List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so");
    private static final List<Path> FOLDERS =
            List.of(Path.of("/usr/local/cuda/lib64"), Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));

    private final String library;
    private final MethodHandle nvrtcVersion, nvrtcCreateProgram, nvrtcCompileProgram, nvrtcGetProgramLogSize,
            nvrtcGetProgramLog, nvrtcGetPTXSize, nvrtcGetPTX, nvrtcGetCUBINSize, nvrtcGetCUBIN, nvrtcDestroyProgram,
            nvrtcGetErrorString;

    private Nvrtc(String library, SymbolLookup lib) {
        this.library = library;
        nvrtcVersion = Native.bind(lib, "nvrtcVersion", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcCreateProgram = Native.bind(lib, "nvrtcCreateProgram", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS);
        nvrtcCompileProgram = Native.bind(lib, "nvrtcCompileProgram", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        nvrtcGetProgramLogSize = Native.bind(lib, "nvrtcGetProgramLogSize", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcGetProgramLog = Native.bind(lib, "nvrtcGetProgramLog", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcGetPTXSize = Native.bind(lib, "nvrtcGetPTXSize", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcGetPTX = Native.bind(lib, "nvrtcGetPTX", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcGetCUBINSize = Native.bind(lib, "nvrtcGetCUBINSize", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcGetCUBIN = Native.bind(lib, "nvrtcGetCUBIN", JAVA_INT, ADDRESS, ADDRESS);
        nvrtcDestroyProgram = Native.bind(lib, "nvrtcDestroyProgram", JAVA_INT, ADDRESS);
        nvrtcGetErrorString = Native.bind(lib, "nvrtcGetErrorString", ADDRESS, JAVA_INT);
    }

    /** Loads NVRTC on first use; {@code NVRTC} is null and {@code REASON} says why when that fails. */
    private static final class Holder {
        static final Nvrtc NVRTC;
        static final String REASON;

        static {
            List<String> tried = new ArrayList<>();
            Nvrtc found = null;
            for (String candidate : candidates()) {
                try {
                    preloadBuiltins(candidate);
                    found = new Nvrtc(candidate, Native.open(candidate));
                    break;
                } catch (IllegalArgumentException e) {
                    tried.add(candidate + " (" + e.getMessage() + ")");
                }
            }
            NVRTC = found;
            REASON = found != null ? null
                    : "NVRTC (libnvrtc) could not be loaded; set ATTNC_NVRTC to its path. Tried: "
                            + String.join(", ", tried);
        }

        /**
         * NVRTC opens {@code libnvrtc-builtins.so.X.Y} by soname at its first compile, which fails
         * when its folder is not on the loader's path (a pip wheel, an unpacked toolkit). Opening
         * the one beside {@code library} first makes that lookup find it already loaded.
         */
        private static void preloadBuiltins(String library) {
            Path folder = Path.of(library).toAbsolutePath().getParent();
            if (!library.contains("/") || folder == null) {
                return;
            }
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(f -> f.getFileName().toString().startsWith("libnvrtc-builtins.so"))
                        .forEach(f -> Native.open(f.toString()));
            } catch (IOException | IllegalArgumentException e) {
                // then NVRTC's own lookup decides, and its error names the missing file
            }
        }

        private static List<String> candidates() {
            String env = System.getenv("ATTNC_NVRTC");
            if (env != null && !env.isBlank()) {
                return List.of(env);
            }
            List<String> all = new ArrayList<>(NAMES);
            for (Path folder : FOLDERS) {
                try (Stream<Path> files = Files.list(folder)) {
                    files.filter(f -> f.getFileName().toString().startsWith("libnvrtc.so"))
                            .sorted(Comparator.comparing(Path::toString).reversed())
                            .forEach(f -> all.add(f.toString()));
                } catch (IOException e) {
                    // no CUDA toolkit folder here: the sonames above are all there is to try
                }
            }
            return all;
        }
    }

    public static boolean isAvailable() {
        return Holder.NVRTC != null;
    }

    /** Why NVRTC is not available, as a sentence for the user; empty when it is. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(Holder.REASON);
    }

    /** NVRTC, or a {@link DeviceUnavailableException} naming every place it was looked for. */
    public static Nvrtc get() {
        if (Holder.NVRTC == null) {
            throw new DeviceUnavailableException(Holder.REASON);
        }
        return Holder.NVRTC;
    }

    /** The file or soname NVRTC was loaded from. */
    public String library() {
        return library;
    }

    /** NVRTC's version as {@code major.minor}. */
    public String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT);
            MemorySegment minor = arena.allocate(JAVA_INT);
            check("nvrtcVersion", Native.invoke(() -> (int) nvrtcVersion.invokeExact(major, minor)));
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        }
    }

    /**
     * Compiles {@code source} (with {@code name} as its file name in diagnostics) with NVRTC options
     * such as {@code --gpu-architecture=sm_90}. A failed compile throws a {@link DeviceException}
     * whose message holds NVRTC's whole log.
     */
    public CompiledKernel compile(String source, String name, List<String> options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment program = arena.allocate(ADDRESS);
            MemorySegment src = arena.allocateFrom(source);
            MemorySegment cName = arena.allocateFrom(name);
            check("nvrtcCreateProgram", Native.invoke(() -> (int) nvrtcCreateProgram.invokeExact(program, src, cName,
                    0, MemorySegment.NULL, MemorySegment.NULL)));
            MemorySegment prog = program.get(ADDRESS, 0);
            try {
                MemorySegment opts = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                long start = System.nanoTime();
                int result = Native.invoke(() -> (int) nvrtcCompileProgram.invokeExact(prog, options.size(), opts));
                Duration time = Duration.ofNanos(System.nanoTime() - start);
                String log = text(bytes(arena, prog, "nvrtcGetProgramLog", nvrtcGetProgramLogSize,
                        nvrtcGetProgramLog, true)).strip();
                if (result != 0) {
                    throw new DeviceException("nvrtcCompileProgram(" + name + "): " + errorString(result)
                            + "\n" + log);
                }
                // Which outputs exist depends on the architecture option (no cubin for compute_XX),
                // so a missing one is an empty array, not an error.
                byte[] ptx = text(bytes(arena, prog, "nvrtcGetPTX", nvrtcGetPTXSize, nvrtcGetPTX, false))
                        .getBytes(StandardCharsets.UTF_8);
                byte[] cubin = bytes(arena, prog, "nvrtcGetCUBIN", nvrtcGetCUBINSize, nvrtcGetCUBIN, false);
                if (ptx.length == 0 && cubin.length == 0) {
                    throw new DeviceException("nvrtcCompileProgram(" + name + "): no PTX and no cubin came out");
                }
                return new CompiledKernel(name, ptx, cubin, log, time);
            } finally {
                Native.invoke(() -> (int) nvrtcDestroyProgram.invokeExact(program));
            }
        }
    }

    /** A NUL-terminated text output (log, PTX) without its NULs. */
    private static String text(byte[] raw) {
        int end = raw.length;
        while (end > 0 && raw[end - 1] == 0) {
            end--;
        }
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    /** One output of a compiled program; when not {@code required} a failure gives an empty array. */
    private byte[] bytes(Arena arena, MemorySegment prog, String call, MethodHandle size, MethodHandle get,
            boolean required) {
        MemorySegment length = arena.allocate(JAVA_LONG);
        int result = Native.invoke(() -> (int) size.invokeExact(prog, length));
        if (result != 0 && !required) {
            return new byte[0];
        }
        check(call + "Size", result);
        long n = length.get(JAVA_LONG, 0);
        if (n == 0) {
            return new byte[0];
        }
        MemorySegment buffer = arena.allocate(n);
        result = Native.invoke(() -> (int) get.invokeExact(prog, buffer));
        if (result != 0 && !required) {
            return new byte[0];
        }
        check(call, result);
        return buffer.toArray(JAVA_BYTE);
    }

    private String errorString(int result) {
        try {
            return Native.string((MemorySegment) nvrtcGetErrorString.invokeExact(result));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void check(String call, int result) {
        if (result != 0) {
            throw new DeviceException(call + ": " + errorString(result));
        }
    }
}
