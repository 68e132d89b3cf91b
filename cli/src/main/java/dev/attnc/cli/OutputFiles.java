package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.Tensor;
import dev.attnc.io.AtomicFile;
import dev.attnc.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a command writes (run's --out and --lse), all or nothing: every path is checked before
 * the work starts (its folder exists and is writable, it is not a folder, no two options name one
 * file), and after the work every file is staged beside its destination before any is moved into
 * place. A run that fails, at any step, leaves every existing file as it was.
 */
final class OutputFiles {
    private final Map<String, Path> paths = new LinkedHashMap<>();

    /** Adds {@code path} (null: the option was not given) for option {@code option}, checked now. */
    OutputFiles add(String option, Path path) {
        if (path == null) return this;
        Path absolute = path.toAbsolutePath().normalize();
        paths.forEach((other, p) -> {
            if (p.equals(absolute)) throw new AttnInputException(option + " and " + other + " name the same file " + path);
        });
        if (Files.isDirectory(absolute)) throw new AttnInputException(option + " " + path + " is a folder, not a file");
        Path folder = absolute.getParent();
        if (!Files.isDirectory(folder)) throw new AttnInputException(option + " " + path + ": the folder " + folder + " does not exist");
        if (!Files.isWritable(folder)) throw new AttnInputException(option + " " + path + ": the folder " + folder + " is not writable");
        if (Files.exists(absolute) && !Files.isWritable(absolute)) throw new AttnInputException(option + " " + path + " is not writable");
        paths.put(option, absolute);
        return this;
    }

    /** Writes each option's tensor (only options that were added); nothing is replaced unless all were staged. */
    void write(Map<String, Tensor> tensors) {
        List<AtomicFile> staged = new ArrayList<>();
        try {
            for (var e : paths.entrySet()) staged.add(Npy.stage(e.getValue(), tensors.get(e.getKey())));
            for (AtomicFile f : staged) f.commit();
        } catch (IOException e) {
            throw new AttnInputException("cannot write the outputs: " + e.getMessage(), e);
        } finally {
            staged.forEach(AtomicFile::close);
        }
    }
}
