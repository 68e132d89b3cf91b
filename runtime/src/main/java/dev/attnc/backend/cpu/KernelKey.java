package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.kernel.cpu.BackwardCall;
import dev.attnc.kernel.cpu.Gemm;
import dev.attnc.kernel.cpu.JavaBackwardArgs;
import dev.attnc.kernel.cpu.JavaBackwardKernel;
import dev.attnc.kernel.cpu.KeyTile;
import dev.attnc.kernel.cpu.JavaKernel;
import dev.attnc.kernel.cpu.JavaKernelArgs;
import dev.attnc.kernel.cpu.KernelCall;
import dev.attnc.kernel.cpu.KernelMath;
import dev.attnc.kernel.cpu.QueryTile;
import dev.attnc.kernel.cpu.Tasks;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Semantics;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A kernel's cache key: SHA-256 of everything its class bytes depend on — the generated source,
 * the target, storage dtype, head dimension, tile plan, the JDK that compiled it, and the class
 * files of the attnc classes the kernel links against (so a rebuilt attnc never loads a kernel
 * compiled against an older one).
 */
record KernelKey(String hex) {
    /** The classes that generated code refers to (what its class files link against); their bytes are part of every key. */
    private static final List<Class<?>> LINKED = List.of(JavaKernel.class, JavaKernelArgs.class, KernelCall.class,
            QueryTile.class, Gemm.class, Tasks.class, KernelMath.class, Semantics.class, Sizes.class, BlockPlan.class,
            JavaBackwardKernel.class, JavaBackwardArgs.class, BackwardCall.class, KeyTile.class);
    private static final String LINKED_HASH = linkedClassesHash();

    static KernelKey of(String source, DType dtype, int headDim, TilePlan tiles) {
        return of("attnc-kernel", source, dtype, headDim, tiles);
    }

    /** The key of a backward kernel: never equal to a forward kernel's, whatever the sources. */
    static KernelKey backward(String source, DType dtype, int headDim, TilePlan tiles) {
        return of("attnc-backward-kernel", source, dtype, headDim, tiles);
    }

    private static KernelKey of(String kind, String source, DType dtype, int headDim, TilePlan tiles) {
        MessageDigest sha = sha256();
        for (String part : List.of(kind, "java", source, dtype.displayName(), Integer.toString(headDim),
                tiles.blockM() + "x" + tiles.blockN() + "/" + tiles.warps(), Runtime.version().toString(), LINKED_HASH)) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return new KernelKey(HexFormat.of().formatHex(sha.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String linkedClassesHash() {
        MessageDigest sha = sha256();
        for (Class<?> c : LINKED) {
            try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                sha.update(c.getName().getBytes(StandardCharsets.UTF_8));
                if (in != null) sha.update(in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the class file of " + c.getName(), e);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
