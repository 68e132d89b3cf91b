package dev.attnc.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file written in full beside its destination, then moved into place atomically where the file
 * system can: a reader sees the old file or the whole new one, and a write that fails leaves the
 * old one as it was (the temporary file is deleted on {@link #close} unless committed). Writing
 * several files all-or-nothing: stage every one, then commit them (the likely failures, a missing
 * folder, no permission, a full disk, come while staging). The temporary file is opened with
 * CREATE_NEW rather than made by {@link Files#createTempFile}, which would leave the result
 * readable by its owner only.
 */
public final class AtomicFile implements AutoCloseable {
    /** What goes into the file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private final Path target;
    private final Path temporary;
    private boolean committed;

    private AtomicFile(Path target, Path temporary) {
        this.target = target;
        this.temporary = temporary;
    }

    /** Writes {@code body} to a new temporary file beside {@code target} and forces it to disk. */
    public static AtomicFile stage(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path tmp = absolute.resolveSibling(absolute.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        AtomicFile staged = new AtomicFile(absolute, tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            body.writeTo(ch);
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            staged.close();
            throw e;
        }
        return staged;
    }

    /** Stages and commits {@code bytes} at {@code target}, creating its folder if needed. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (AtomicFile f = stage(target, ch -> {
            for (var buf = java.nio.ByteBuffer.wrap(bytes); buf.hasRemaining(); ) ch.write(buf);
        })) {
            f.commit();
        }
    }

    /** Moves the staged file over the target. */
    public void commit() throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    /** Deletes the temporary file unless it was committed. */
    @Override
    public void close() {
        if (committed) return;
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // the write already failed, or was abandoned; that is the news worth reporting
        }
    }
}
