package dev.attnc.compiler.target;

import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a user may force for experiments, read from the {@code attnc.*} system properties in this
 * one place ({@link #fromSystemProperties}) and passed to the {@link TargetPolicy} as data.
 *
 * @param cudaTiles {@code -Dattnc.cuda.tiles.D=BMxBN/W}: the tile plan for head dimension D (overrides tuned and default plans)
 * @param cudaEngine {@code -Dattnc.cuda.engine=mma|wgmma|hopper} ({@code -Dattnc.cuda.wgmma=false} is mma); null: the policy's
 * @param cudaMinBlocks {@code -Dattnc.cuda.minBlocks=N}: {@code __launch_bounds__} min-blocks, with no spill fallback; 0: the policy's
 * @param cacheDir {@code -Dattnc.cache.dir}, else environment variable {@code ATTNC_CACHE_DIR}; null: the default
 * @param cudaDeterministic {@code -Dattnc.cuda.deterministic=true|false}: the CUDA backward's dQ by a second pass, the
 *     same bits every run, or through float atomics in the dK/dV kernel; null: the policy's
 *     ({@link TargetPolicy#cudaBackwardForm})
 * @param cudaDecode {@code -Dattnc.cuda.decode=always|never}: whether calls of 17 to 64 query rows that the decode program
 *     can take run there ({@link TargetPolicy#prefersDecode}); null: the policy's choice (the forward kernel). Calls only
 *     the decode program reads (paged K/V, per-sequence lengths) and those of at most 16 rows run there whatever this says
 * @param cudaBackwardFastMath {@code -Dattnc.cuda.backwardMath=fast|exact}: the CUDA backward built with the forward's fast
 *     math (approximate division, denormals flushed, tanh on the special-function unit) or exact; null: the policy's
 *     ({@link TargetPolicy#cudaBackward})
 */
public record BackendOptions(Map<Integer, TilePlan> cudaTiles, Engine cudaEngine, int cudaMinBlocks, Path cacheDir,
        Boolean cudaDeterministic, Boolean cudaDecode, Boolean cudaBackwardFastMath) {
    /** Nothing forced. */
    public static final BackendOptions NONE = new BackendOptions(Map.of(), null, 0, null);

    /** With the policy's form of the backward's dQ. */
    public BackendOptions(Map<Integer, TilePlan> cudaTiles, Engine cudaEngine, int cudaMinBlocks, Path cacheDir) {
        this(cudaTiles, cudaEngine, cudaMinBlocks, cacheDir, null);
    }

    /** With the policy's choice between the decode program and the forward kernel. */
    public BackendOptions(Map<Integer, TilePlan> cudaTiles, Engine cudaEngine, int cudaMinBlocks, Path cacheDir, Boolean cudaDeterministic) {
        this(cudaTiles, cudaEngine, cudaMinBlocks, cacheDir, cudaDeterministic, null, null);
    }

    public BackendOptions {
        cudaTiles = Map.copyOf(cudaTiles);
        if (cudaMinBlocks < 0) throw new IllegalArgumentException("attnc.cuda.minBlocks must be at least 1, not " + cudaMinBlocks);
    }

    public static BackendOptions fromSystemProperties() {
        return from(System.getProperties(), System.getenv("ATTNC_CACHE_DIR"));
    }

    static BackendOptions from(Properties p, String cacheEnv) {
        Map<Integer, TilePlan> tiles = new TreeMap<>();
        String prefix = "attnc.cuda.tiles.";
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith(prefix)) tiles.put(Integer.parseInt(k.substring(prefix.length())), TilePlans.parse(p.getProperty(k)));
        }
        String engine = "false".equals(p.getProperty("attnc.cuda.wgmma")) ? "mma" : p.getProperty("attnc.cuda.engine");
        String minBlocks = p.getProperty("attnc.cuda.minBlocks");
        String cache = p.getProperty("attnc.cache.dir", cacheEnv);
        String deterministic = p.getProperty("attnc.cuda.deterministic"); // any case, as Boolean.parseBoolean took it
        Boolean dq = choice("attnc.cuda.deterministic", deterministic == null ? null : deterministic.toLowerCase(java.util.Locale.ROOT), "true", "false");
        return new BackendOptions(tiles, engine == null ? null : engine(engine), minBlocks == null ? 0 : Integer.parseInt(minBlocks),
                cache == null || cache.isBlank() ? null : Path.of(cache), dq, choice("attnc.cuda.decode", p.getProperty("attnc.cuda.decode"), "always", "never"),
                choice("attnc.cuda.backwardMath", p.getProperty("attnc.cuda.backwardMath"), "fast", "exact"));
    }

    /** A forced choice of two, or null for the policy's ("auto" or absent). */
    private static Boolean choice(String key, String word, String yes, String no) {
        if (word == null || word.equals("auto")) return null;
        if (word.equals(yes)) return true;
        if (word.equals(no)) return false;
        throw new IllegalArgumentException(key + " is " + yes + ", " + no + " or auto, not " + word);
    }

    private static Engine engine(String word) {
        return switch (word) {
            case "mma" -> Engine.MMA_SYNC;
            case "wgmma" -> Engine.WGMMA;
            case "hopper" -> Engine.HOPPER;
            default -> throw new IllegalArgumentException("attnc.cuda.engine is mma, wgmma or hopper, not " + word);
        };
    }
}
