package dev.attnc.ffm.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The few FFM steps that the CUDA and NVRTC bindings share; the only place that calls restricted
 * methods, which need {@code --enable-native-access=ALL-UNNAMED} to run without a warning.
 */
@SuppressWarnings("restricted")
final class Native {
    private static final Linker LINKER = Linker.nativeLinker();

    private Native() {}

    /** A native call through {@code invokeExact}, whose {@code throws Throwable} no downcall uses. */
    interface Call {
        int run() throws Throwable;
    }

    static int invoke(Call call) {
        try {
            return call.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    /** Opens a shared library for the life of the JVM: the driver's handles must never dangle. */
    static SymbolLookup open(String library) {
        return SymbolLookup.libraryLookup(library, Arena.global());
    }

    /** The downcall for {@code name}; a missing symbol names itself, so an old library is explained. */
    static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout result, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name)
                .orElseThrow(() -> new IllegalArgumentException("symbol " + name + " not found"));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(result, args));
    }

    /** Binds the first of {@code names} that the library exports (newer ABI versions first). */
    static MethodHandle bindFirst(SymbolLookup lib, String[] names, MemoryLayout result, MemoryLayout... args) {
        for (String name : names) {
            Optional<MemorySegment> symbol = lib.find(name);
            if (symbol.isPresent()) {
                return LINKER.downcallHandle(symbol.get(), FunctionDescriptor.of(result, args));
            }
        }
        throw new IllegalArgumentException("none of the symbols " + String.join(", ", names) + " found");
    }

    /** Reads a NUL-terminated C string that the library owns (static or still alive). */
    static String string(MemorySegment cString) {
        return cString.address() == 0 ? "" : cString.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
