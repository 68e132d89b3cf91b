package dev.attnc.tests.emu;

import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What EmulatedForward, EmulatedDecode and EmulatedBackward share: a generated source made the emulator's, and a kernel's call. */
final class EmulatedSource {
    private EmulatedSource() {}

    /** {@code text} with its primitives (mma, ldmatrix, cp.async: emu.h defines them for the CPU) replaced by {@code shim}. */
    static String withoutPrimitives(String text, String shim) {
        return withoutSection(text, "// primitives:", "// end of primitives", shim);
    }

    /** {@code text} with the lines from {@code begin} up to (not including) {@code end} replaced by {@code shim}. */
    static String withoutSection(String text, String begin, String end, String shim) {
        int from = text.indexOf(begin), to = text.indexOf(end);
        if (from < 0 || to < from) throw new IllegalArgumentException("no section \"" + begin + "\" .. \"" + end + "\" in the kernel");
        return text.substring(0, from) + shim + text.substring(to);
    }

    /**
     * A kernel's arguments as the harness's expressions, comma-separated: a fixed argument by its name in
     * {@code harness}, a parameter as the harness's global of the user's name.
     */
    static String call(KernelSignature signature, Map<String, String> harness) {
        List<String> call = new ArrayList<>();
        for (KernelArg arg : signature.args()) {
            call.add(switch (arg.role()) {
                case KernelArg.Role.Fixed f -> Optional.ofNullable(harness.get(arg.name()))
                        .orElseThrow(() -> new IllegalStateException("the emulator harness has no value for argument " + arg.name()));
                case KernelArg.Role.Param(var p) -> p.kind().isTensor() ? p.name() + ".data()" : p.name();
            });
        }
        return String.join(", ", call);
    }
}
