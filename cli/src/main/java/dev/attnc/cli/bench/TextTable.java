package dev.attnc.cli.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table padded to aligned columns, so it reads the same in a terminal and in docs. */
final class TextTable {
    private final List<String> header;
    private final List<Boolean> right;
    private final List<List<String>> rows = new ArrayList<>();

    /** Column names; a name ending in ">" is right-aligned (numbers), the ">" dropped. */
    TextTable(String... columns) {
        header = new ArrayList<>();
        right = new ArrayList<>();
        for (String c : columns) {
            right.add(c.endsWith(">"));
            header.add(c.endsWith(">") ? c.substring(0, c.length() - 1) : c);
        }
    }

    void row(String... cells) {
        if (cells.length != header.size()) throw new IllegalArgumentException("row of " + cells.length + " cells, table of " + header.size());
        rows.add(List.of(cells));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.max(3, header.get(i).length());
            for (List<String> r : rows) w[i] = Math.max(w[i], r.get(i).length());
        }
        StringBuilder s = new StringBuilder();
        line(s, header, w);
        s.append('|');
        for (int i = 0; i < w.length; i++) s.append(' ').append(right.get(i) ? "-".repeat(w[i] - 1) + ":" : "-".repeat(w[i])).append(" |");
        s.append('\n');
        for (List<String> r : rows) line(s, r, w);
        return s.toString();
    }

    private void line(StringBuilder s, List<String> cells, int[] w) {
        s.append('|');
        for (int i = 0; i < w.length; i++) {
            String c = cells.get(i);
            String pad = " ".repeat(w[i] - c.length());
            s.append(' ').append(right.get(i) ? pad + c : c + pad).append(" |");
        }
        s.append('\n');
    }
}
