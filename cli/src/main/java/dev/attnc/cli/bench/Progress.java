package dev.attnc.cli.bench;

import java.io.PrintWriter;

/**
 * Progress on stderr as plain lines that read well in CI logs and on a terminal alike: one line per
 * (variant, shape), "[3/12] alibi 1,4,4,1024,1024,64 float32:", then each contender's median as it
 * finishes, the line ended when the step is done.
 */
final class Progress {
    private final PrintWriter err;
    private final int total;
    private int step;
    private boolean open;

    Progress(PrintWriter err, int total) {
        this.err = err;
        this.total = total;
    }

    void start(String what) {
        end();
        step++;
        err.print("[" + step + "/" + total + "] " + what + ":");
        err.flush();
        open = true;
    }

    void part(String text) {
        err.print(" " + text);
        err.flush();
    }

    void end() {
        if (open) {
            err.println();
            err.flush();
            open = false;
        }
    }
}
