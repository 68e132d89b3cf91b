package dev.attnc.compiler.codegen.c;

import org.stringtemplate.v4.STErrorListener;
import org.stringtemplate.v4.STGroup;
import org.stringtemplate.v4.STGroupFile;
import org.stringtemplate.v4.misc.STMessage;

/** Loads kernel templates (StringTemplate groups on the class path, from codegen-templates). */
public final class Templates {
    private Templates() {}

    /**
     * The group at {@code resource} with {@code $...$} delimiters ({@code <} and {@code >} are C
     * operators). StringTemplate reports a template error on stderr and carries on; a broken
     * template is a compiler bug, so this group throws instead. A group's {@code import "x.stg"}
     * resolves beside the group (in a folder or a jar alike), and the imported group reports to the
     * same listener, so its errors throw too (TemplatesTest).
     */
    public static STGroup load(String resource) {
        STGroup g = new STGroupFile(resource, '$', '$');
        g.setListener(new STErrorListener() {
            public void compileTimeError(STMessage m) { fail(m); }
            public void runTimeError(STMessage m) { fail(m); }
            public void IOError(STMessage m) { fail(m); }
            public void internalError(STMessage m) { fail(m); }
        });
        return g;
    }

    private static void fail(STMessage m) {
        throw new IllegalStateException("template error: " + m);
    }
}
