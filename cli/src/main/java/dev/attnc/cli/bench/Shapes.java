package dev.attnc.cli.bench;

import dev.attnc.kernel.Sizes;
import java.util.List;
import java.util.Locale;

/** Shapes as the bench writes them: "B,H,H_KV,Q_LEN,KV_LEN,D", and short labels for charts. */
public final class Shapes {
    private Shapes() {}

    public static String text(Sizes s) {
        return String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%d", s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), s.D());
    }

    /** For file and directory names: "1x4x4x1024x1024x64". */
    public static String tag(Sizes s) {
        return text(s).replace(',', 'x');
    }

    public static int[] array(Sizes s) {
        return new int[] {s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), s.D()};
    }

    /**
     * A label naming only what differs between the shapes of one run ("D=64", "S=4096 D=128"), so
     * chart categories stay short; "" when there is one shape.
     */
    public static String label(Sizes s, List<Sizes> all) {
        String[] names = {"B", "H", "H_KV", "Q", "KV", "D"};
        int[] me = array(s);
        StringBuilder out = new StringBuilder();
        boolean sameLengths = all.stream().allMatch(x -> x.Q_LEN() == x.KV_LEN());
        for (int i = 0; i < 6; i++) {
            final int f = i;
            if (all.stream().allMatch(x -> array(x)[f] == me[f])) continue;
            if (sameLengths && i == 4) continue; // Q and KV equal: one "S"
            String name = sameLengths && i == 3 ? "S" : names[i];
            if (!out.isEmpty()) out.append(' ');
            out.append(name).append('=').append(me[i]);
        }
        return out.toString();
    }
}
