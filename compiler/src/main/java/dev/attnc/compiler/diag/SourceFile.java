package dev.attnc.compiler.diag;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A program's text and the name it is reported under; knows where each line starts. */
public record SourceFile(String name, String text) {

    /** The file's text; a file that is not UTF-8 is a {@link CompileException} (syntax.not-utf8). */
    public static SourceFile read(Path path) throws IOException {
        return decode(path.toString(), Files.readAllBytes(path));
    }

    /**
     * Bytes as UTF-8 text, or a {@link CompileException} with syntax.not-utf8 at the line and
     * column of the first byte that is not UTF-8 (the rendered line shows U+FFFD there).
     */
    public static SourceFile decode(String name, byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = strict.decode(in, out, true);
        if (!r.isError()) r = strict.flush(out);
        if (!r.isError()) return new SourceFile(name, out.flip().toString());
        String before = out.flip().toString();
        int line = 1 + (int) before.chars().filter(c -> c == '\n').count();
        int column = before.length() - before.lastIndexOf('\n');
        SourceFile lenient = new SourceFile(name, new String(bytes, StandardCharsets.UTF_8));
        Span at = new Span(line, column, before.length(), before.length() + 1);
        String bad = String.format("%02X", bytes[in.position()] & 0xFF);
        throw new CompileException(List.of(Diagnostic.error("syntax.not-utf8", lenient, at, bad)));
    }

    /** The text of line {@code line} (1-based), without its line terminator; "" past the end. */
    public String line(int line) {
        int[] starts = lineStarts();
        if (line < 1 || line > starts.length) return "";
        int start = starts[line - 1];
        int end = line < starts.length ? starts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') end--;
        return text.substring(start, end);
    }

    /**
     * Where each line starts, remembered for the last file asked: rendering a file's thousands of
     * diagnostics looks up a line for each, and splitting the text each time cost n².
     */
    private int[] lineStarts() {
        Object[] cached = lastLineStarts;
        if (cached[0] == this) return (int[]) cached[1];
        List<Integer> out = new ArrayList<>();
        out.add(0);
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.add(i + 1);
        int[] starts = out.stream().mapToInt(Integer::intValue).toArray();
        lastLineStarts = new Object[] {this, starts};
        return starts;
    }

    private static volatile Object[] lastLineStarts = {null, null};
}
