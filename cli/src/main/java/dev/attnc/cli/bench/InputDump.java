package dev.attnc.cli.bench;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.kernel.Sizes;
import dev.attnc.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --dump-inputs DIR}: the exact inputs of every (variant, shape) and attnc's outputs on them,
 * for bench/peers/torch_peers.py to time PyTorch on the same data and check it against attnc:
 * <pre>
 * DIR/manifest.json                 what is where (below), the dtype, the scale rule
 * DIR/1x4x4x1024x1024x64/q.npy ...  Q, K, V as float32 (exact: bf16 and fp16 values are floats)
 *     alibi.slopes.npy              each tensor argument of each variant
 *     alibi.o.npy, alibi.lse.npy    attnc's O (float32) and LSE
 * </pre>
 * The manifest lists, per shape, each variant's scalar arguments (defaults filled) and kept pairs.
 */
final class InputDump {
    private final Path dir;
    private final BenchConfig cfg;
    private final String device;
    private final Map<Sizes, Map<String, Object>> shapes = new LinkedHashMap<>();

    InputDump(Path dir, BenchConfig cfg, String device) {
        this.dir = dir;
        this.cfg = cfg;
        this.device = device;
    }

    void shape(Sizes s, Tensor[] qkv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", Shapes.array(s));
        m.put("dir", Shapes.tag(s));
        String[] names = {"q", "k", "v"};
        for (int i = 0; i < 3; i++) {
            write(s, names[i] + ".npy", qkv[i]);
            m.put(names[i], names[i] + ".npy");
        }
        m.put("variants", new ArrayList<Map<String, Object>>());
        shapes.put(s, m);
    }

    @SuppressWarnings("unchecked")
    void variant(Variant v, Sizes s, RunInputs in, RunOutputs out, long keptPairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("variant", v.name());
        m.put("file", v.file());
        m.put("kept_pairs", keptPairs);
        m.put("scale", in.scale());
        m.put("scalars", new LinkedHashMap<>(in.scalars()));
        Map<String, Object> tensors = new LinkedHashMap<>();
        in.tensors().forEach((name, t) -> {
            String file = v.name() + "." + name + ".npy";
            write(s, file, t);
            tensors.put(name, file);
        });
        m.put("tensors", tensors);
        write(s, v.name() + ".o.npy", out.o());
        write(s, v.name() + ".lse.npy", out.lse());
        m.put("o", v.name() + ".o.npy");
        m.put("lse", v.name() + ".lse.npy");
        ((List<Object>) shapes.get(s).get("variants")).add(m);
    }

    void finish() {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("tool", "attnc bench --dump-inputs");
        manifest.put("target", cfg.target().word());
        manifest.put("device", device);
        manifest.put("dtype", cfg.dtype().displayName());
        manifest.put("shapes", new ArrayList<>(shapes.values()));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("manifest.json"), Json.write(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Float tensors as float32 (numpy has no bfloat16; every value is exact), others as they are. */
    private void write(Sizes s, String file, Tensor t) {
        Path path = dir.resolve(Shapes.tag(s)).resolve(file);
        try {
            Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Npy.write(path, t.dtype().isFloat() && t.dtype() != DType.F32 ? t.convert(DType.F32) : t);
    }
}
