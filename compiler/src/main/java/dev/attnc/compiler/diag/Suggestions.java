package dev.attnc.compiler.diag;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean" for misspelled names: the closest candidate within a small edit distance. */
public final class Suggestions {
    private Suggestions() {}

    public static Optional<String> closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = Math.max(1, Math.min(3, name.length() / 3 + 1));
        String lower = name.toLowerCase();
        for (String c : candidates) {
            // Lengths further apart than the limit cannot be within it: skip without the O(n·m) table.
            if (Math.abs(c.length() - name.length()) > limit) continue;
            int d = distance(lower, c.toLowerCase(), limit);
            if (d <= limit && (d < bestDistance || d == bestDistance && c.compareTo(best) < 0)) {
                best = c;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The text to append to a message: "; did you mean 'x'?" or "". */
    public static String didYouMean(String name, Collection<String> candidates) {
        return closest(name, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
    }

    /** Damerau-Levenshtein (optimal string alignment) distance. */
    static int distance(String a, String b) {
        return distance(a, b, Integer.MAX_VALUE);
    }

    /** The distance, or some value above {@code limit} as soon as it is certain to exceed it. */
    static int distance(String a, String b, int limit) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            int rowMin = d[i][0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
                rowMin = Math.min(rowMin, d[i][j]);
            }
            // A transposition reaches back two rows, so stop only when two rows in a row exceed the limit.
            if (rowMin > limit && i > 1 && minOf(d[i - 1]) > limit) return rowMin;
        }
        return d[a.length()][b.length()];
    }

    private static int minOf(int[] row) {
        int m = Integer.MAX_VALUE;
        for (int v : row) m = Math.min(m, v);
        return m;
    }
}
