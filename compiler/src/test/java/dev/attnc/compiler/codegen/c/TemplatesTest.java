package dev.attnc.compiler.codegen.c;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernel template groups and the groups they import, from the class path, with errors that throw. */
class TemplatesTest {
    @Test
    void importedTemplatesResolveFromTheClassPath() {
        var hopper = Templates.load("dev/attnc/templates/cuda_hopper.stg");
        // imported directly (the softmax) and through an import of an import (the scheduler, via the producer)
        assertNotNull(hopper.getInstanceOf("softmax"));
        assertNotNull(hopper.getInstanceOf("hopperTakeItem"));
        var fa2 = Templates.load("dev/attnc/templates/cuda.stg");
        assertNotNull(fa2.getInstanceOf("elements"));
        assertNotNull(fa2.getInstanceOf("epilogue"));
    }

    @Test
    void anErrorInAnImportedGroupThrows(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("outer.stg"), "delimiters \"$\", \"$\"\nimport \"inner.stg\"\nouter() ::= <<$inner()$>>\n");
        Files.writeString(dir.resolve("inner.stg"), "delimiters \"$\", \"$\"\ninner() ::= <<$if(x)$ unterminated >>\n");
        var group = Templates.load(dir.resolve("outer.stg").toString());
        assertThrows(IllegalStateException.class, () -> group.getInstanceOf("outer").render());
    }
}
