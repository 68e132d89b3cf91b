package dev.attnc.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.Placement.Level;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.compiler.passes.Exprs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Where each node is computed (per head, row, key, pair), the FULL and PARTIAL node lists, and the numbering. */
class PlacementTest {
    private static Expr node(Placement p, Predicate<Expr> which) {
        List<Expr> found = p.nodes().stream().filter(which).toList();
        assertEquals(1, found.size(), "one node matches, in " + p.nodes());
        return found.getFirst();
    }

    private static Predicate<Expr> load(String tensor, Predicate<Expr> index) {
        return e -> e instanceof Expr.Load l && l.tensor().name().equals(tensor) && index.test(l.indices().getFirst());
    }

    private static Predicate<Expr> index(String axis) {
        return e -> e instanceof Expr.Index i && i.axis().name().equals(axis);
    }

    private static Predicate<Expr> binary(BinaryOp op, String left, String right) {
        return e -> e instanceof Expr.Binary b && b.op() == op && index(left).test(b.left()) && index(right).test(b.right());
    }

    @Test
    void alibiHoistsTheSlopeOutOfAllLoopsAndComputesTheDistancePerPair() {
        Attention a = TestPrograms.optimized(
                "attention alibi(slopes: float[H]) { score = score + slopes[h] * float(kv - q)\n  mask = q >= kv }");
        Placement p = Placement.of(a);
        Expr slope = node(p, load("slopes", index("H")));
        Expr distance = node(p, e -> e instanceof Expr.Unary u && binary(BinaryOp.SUB, "KV", "Q").test(u.operand()));
        assertEquals(Level.HEAD, p.level(slope));
        assertEquals(List.of(slope), p.prologue());
        assertEquals(List.of(), p.row());
        assertEquals(Level.PAIR, p.level(distance));
        assertTrue(p.full().contains(distance));
        assertFalse(p.full().contains(slope), "the slope comes from the prologue, it is not recomputed per pair");
        assertEquals(List.of(node(p, binary(BinaryOp.GE, "Q", "KV"))), p.partialMask());
        assertEquals(p.full(), p.partialScore(), "the mask computes nothing the score needs");
    }

    @Test
    void aDocumentMaskReadsTheQueryIdPerRowAndTheKeyIdPerKey() {
        Attention a = TestPrograms.optimized("attention doc(ids: int[KV_LEN]) { mask = ids[q] == ids[kv] && q >= kv }");
        Placement p = Placement.of(a);
        Expr rowId = node(p, load("ids", index("Q")));
        Expr keyId = node(p, load("ids", index("KV")));
        assertEquals(Level.ROW, p.level(rowId));
        assertEquals(List.of(rowId), p.row());
        assertEquals(Level.COLUMN, p.level(keyId));
        assertTrue(p.level(keyId).perPair());
        assertEquals(List.of(), p.full(), "no score function: FULL tiles compute nothing per pair");
        assertTrue(p.partialMask().contains(keyId));
        assertFalse(p.partialMask().contains(rowId));
        assertEquals(a.mask(), p.partialMask().getLast(), "the mask's value last, its operands before it");
        assertEquals(List.of(rowId), p.readFrom(Level.ROW, p.partialMask(), List.of()), "the row value the pair code reads");
    }

    @Test
    void aNodeTheMaskAndTheScoreShareIsComputedOnceOnPartialTiles() {
        Attention a = TestPrograms.optimized("attention s(w: int = 8) { score = score - float(kv - q)\n  mask = kv - q <= 0 && q - kv <= w }");
        Placement p = Placement.of(a);
        Expr shared = node(p, binary(BinaryOp.SUB, "KV", "Q"));
        assertTrue(p.shared(shared));
        assertTrue(p.full().contains(shared));
        assertTrue(p.partialMask().contains(shared), "the mask computes it first");
        assertFalse(p.partialScore().contains(shared), "and the score reuses it");
        assertFalse(p.maskOnly().contains(shared));
        List<Expr> partial = Stream.concat(p.partialMask().stream(), p.partialScore().stream()).toList();
        assertEquals(Set.copyOf(partial).size(), partial.size(), "no node twice on a PARTIAL tile");
        Set<Expr> both = new HashSet<>(p.full());
        both.addAll(p.partialMask());
        assertEquals(both, Set.copyOf(partial));
        assertEquals(Set.copyOf(partial), Set.copyOf(Stream.concat(p.full().stream(), p.maskOnly().stream()).toList()));
    }

    @Test
    void fullTilesHaveNoMaskCode() {
        Placement p = Placement.of(TestPrograms.optimized("attention c(w: int) { score = score * 2.0\n  mask = q - kv <= w }"));
        assertEquals(1, p.full().size());
        assertTrue(p.full().stream().noneMatch(e -> e.type() == dev.attnc.compiler.ir.Type.BOOL), p.full().toString());
        assertEquals("t0", p.local(p.full().getFirst()));
    }

    static Stream<String> samples() throws IOException {
        try (Stream<Path> files = Files.list(root().resolve("samples"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".attn")).sorted().toList().stream();
        }
    }

    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("samples")) ? here : here.getParent();
    }

    private static final Pattern DUMP_LINE = Pattern.compile("^  %(\\d+) = (.*?) +: \\w+ +@(\\w+)");
    private static final Pattern REFERENCE = Pattern.compile("%(\\d+)");

    /** Node N is the IR dump's %N: the same operands (by number) and the same dependence, for every sample. */
    @ParameterizedTest
    @MethodSource("samples")
    void theNumbersAreTheIrDumpsAndEveryListIsInDependencyOrder(String sample) throws IOException {
        Attention a = dev.attnc.compiler.TestPrograms.sample(root().resolve("samples").resolve(sample));
        Placement p = Placement.of(a);
        List<String> lines = IrPrinter.print(a).lines().filter(l -> l.startsWith("  %")).toList();
        assertEquals(lines.size(), p.nodes().size());
        for (int n = 0; n < lines.size(); n++) {
            Matcher m = DUMP_LINE.matcher(lines.get(n));
            assertTrue(m.find(), lines.get(n));
            Expr e = p.nodes().get(n);
            assertEquals(n, Integer.parseInt(m.group(1)));
            assertEquals(n, p.number(e));
            assertEquals("t" + n, p.local(e));
            List<Integer> operands = new ArrayList<>();
            for (Matcher r = REFERENCE.matcher(m.group(2)); r.find(); ) operands.add(Integer.parseInt(r.group(1)));
            assertEquals(operands, e.children().stream().filter(c -> !Exprs.isLeaf(c)).map(p::number).toList(), lines.get(n));
            String dep = m.group(3);
            assertEquals(switch (dep) {
                case "const", "head" -> Level.HEAD;
                case "row" -> Level.ROW;
                case "column" -> Level.COLUMN;
                default -> Level.PAIR;
            }, p.level(e), lines.get(n));
        }
        for (List<Expr> list : List.of(p.prologue(), p.row(), p.full(), p.partialMask(), p.partialScore(), p.maskOnly())) {
            List<Integer> numbers = list.stream().map(p::number).toList();
            assertEquals(numbers.stream().sorted().toList(), numbers, "IR-dump order");
        }
        List<Expr> partial = Stream.concat(p.partialMask().stream(), p.partialScore().stream()).toList();
        for (int i = 0; i < partial.size(); i++) {
            for (Expr c : partial.get(i).children()) {
                if (!Exprs.isLeaf(c) && p.level(c).perPair()) assertTrue(partial.subList(0, i).contains(c), "operands first");
            }
        }
    }
}
