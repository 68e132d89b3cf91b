package dev.attnc.compiler.front;

import dev.attnc.compiler.front.Ast.*;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The consts in an order where each comes after the consts it uses (Kahn's algorithm), so that
 * one pass types and evaluates them all: consts may be used before they are defined, and
 * re-scanning until nothing changes cost n² for a chain written backwards. Consts on a cycle
 * come last, in source order (the checker reports the cycle).
 */
final class ConstOrder {
    private ConstOrder() {}

    static List<ConstDef> of(List<ConstDef> consts) {
        Map<String, ConstDef> byName = new HashMap<>();
        for (ConstDef c : consts) byName.put(c.name(), c);
        Map<ConstDef, Integer> waitingOn = new HashMap<>();
        Map<String, List<ConstDef>> users = new HashMap<>();
        for (ConstDef c : consts) {
            Set<String> uses = new LinkedHashSet<>();
            namesIn(c.value(), uses);
            uses.retainAll(byName.keySet());
            waitingOn.put(c, uses.size());
            for (String u : uses) users.computeIfAbsent(u, k -> new ArrayList<>()).add(c);
        }
        Deque<ConstDef> ready = new ArrayDeque<>();
        for (ConstDef c : consts) if (waitingOn.get(c) == 0) ready.add(c);
        Set<ConstDef> ordered = new LinkedHashSet<>();
        while (!ready.isEmpty()) {
            ConstDef c = ready.removeFirst();
            ordered.add(c);
            for (ConstDef user : users.getOrDefault(c.name(), List.of())) {
                if (waitingOn.merge(user, -1, Integer::sum) == 0) ready.add(user);
            }
        }
        ordered.addAll(consts);
        return List.copyOf(ordered);
    }

    /** Every name used in e (recursion is bounded by {@link Limits#DEPTH}). */
    private static void namesIn(Expr e, Set<String> out) {
        switch (e) {
            case Call c -> {
                out.add(c.name());
                c.args().forEach(a -> namesIn(a.value(), out));
            }
            case Index i -> {
                namesIn(i.target(), out);
                i.indices().forEach(x -> namesIn(x, out));
            }
            case Unary u -> namesIn(u.operand(), out);
            case Binary b -> {
                namesIn(b.left(), out);
                namesIn(b.right(), out);
            }
            case Pipe p -> {
                namesIn(p.input(), out);
                namesIn(p.function(), out);
            }
            case Ternary t -> {
                namesIn(t.condition(), out);
                namesIn(t.then(), out);
                namesIn(t.otherwise(), out);
            }
            case Block b -> {
                b.lets().forEach(l -> namesIn(l.value(), out));
                namesIn(b.result(), out);
            }
            case IntLit i -> { }
            case FloatLit f -> { }
            case BoolLit b -> { }
            case ScoreRef s -> { }
        }
    }
}
