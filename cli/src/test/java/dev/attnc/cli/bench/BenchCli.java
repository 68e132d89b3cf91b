package dev.attnc.cli.bench;

import dev.attnc.cli.BenchCommand;
import dev.attnc.cli.Main;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Runs {@code attnc bench ...} through {@link Main#run} once Main lists the bench subcommand; until
 * then through a command line with it added (same streams, same exit codes for what these tests
 * reach). {@code main} is the same from a shell, for trying the bench from test classes.
 */
public final class BenchCli {
    private BenchCli() {}

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        if (new CommandLine(new Main()).getSubcommands().containsKey("bench")) return Main.run(args, out, err);
        CommandLine cli = new CommandLine(new Main()).addSubcommand("bench", new BenchCommand());
        cli.setOut(out).setErr(err);
        return cli.execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }
}
