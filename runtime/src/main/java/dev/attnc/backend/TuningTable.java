package dev.attnc.backend;

import dev.attnc.io.AtomicFile;
import dev.attnc.DType;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import dev.attnc.compiler.plan.VariantClass;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The autotuner's memory: the fastest tile plan measured per (device, head dimension, dtype,
 * variant class), as {@code key = BMxBN/W} lines in a properties file beside the kernel cache
 * ({@code tuning.properties}). Written atomically (a temporary file moved into place); a damaged
 * or unreadable file is treated as empty and replaced by the next winner, never trusted.
 */
public final class TuningTable {
    private final Path file; // null: memory only
    private final Map<String, String> entries = new TreeMap<>();

    public TuningTable(Path file) {
        this.file = file;
        if (file != null && Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
                for (String k : p.stringPropertyNames()) {
                    if (parse(p.getProperty(k)) != null) entries.put(k, p.getProperty(k));
                }
            } catch (IOException | IllegalArgumentException e) {
                entries.clear(); // damaged: start again rather than run a plan nobody measured
            }
        }
    }

    public static String key(String device, int headDim, DType dtype, VariantClass cls) {
        return (device + " D=" + headDim + " " + dtype.displayName() + " " + cls.word()).replace(' ', '_').replace('=', '-')
                .replace(':', '-');
    }

    /** The remembered winner, or null. */
    public synchronized TilePlan get(String key) {
        String v = entries.get(key);
        return v == null ? null : parse(v);
    }

    public synchronized void put(String key, TilePlan winner) {
        entries.put(key, winner.blockM() + "x" + winner.blockN() + "/" + winner.warps());
        if (file == null) return;
        Properties p = new Properties();
        p.putAll(entries);
        StringWriter text = new StringWriter();
        try {
            p.store(text, "attnc autotuner: the fastest tile plan measured per device, head dimension, dtype and variant class");
            AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the winner stays in memory for this process; a read-only cache is not an error
        }
    }

    public Path file() {
        return file;
    }

    private static TilePlan parse(String v) {
        try {
            return TilePlans.parse(v);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
