package dev.attnc.cli.bench;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** The rows of the Markdown tables in a text, as trimmed cells, to test contents without widths. */
final class TableRows {
    private TableRows() {}

    static List<List<String>> of(String text) {
        return text.lines().filter(l -> l.startsWith("|") && !l.startsWith("| --"))
                .map(l -> Arrays.stream(l.substring(1, l.length() - 1).split("\\|")).map(String::trim).toList()).toList();
    }

    /** Whether some row holds {@code cells} in a row, in this order. */
    static boolean has(String text, String... cells) {
        List<String> want = List.of(cells);
        return of(text).stream().anyMatch(r -> Collections.indexOfSubList(r, want) >= 0);
    }
}
