package dev.attnc.compiler.codegen.c;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void userNamesBecomeSafeIdentifiersThatCannotCollide() {
        assertEquals("p0_slopes", Names.mangle(0, "slopes"));
        assertEquals("p3_x___evil____", Names.mangle(3, "x; }evil(); "));
        assertEquals("p1__", Names.mangle(1, "\u00e9"));
        assertEquals(44, Names.mangle(12, "a".repeat(100)).length());
    }
}
