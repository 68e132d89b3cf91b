package dev.attnc.tests.robustness;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attnc.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** The attnc command run in this JVM, as other tools call it: exit code and both streams, never a stack trace. */
record Cli(int code, String out, String err) {
    static Cli attnc(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertFalse(err.toString().contains("\tat "), "a stack trace for: " + String.join(" ", args) + "\n" + err);
        return new Cli(code, out.toString(), err.toString());
    }

    static String sample(String name) {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.exists(here.resolve("samples")) ? here : here.getParent();
        return root.resolve("samples").resolve(name).toString();
    }
}
