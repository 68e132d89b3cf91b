package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Span;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which definition uses which, with the place of each use, to find recursion: the language has
 * no loops or recursion, so every cycle is an error (and would make inlining run forever).
 */
final class CallGraph {
    private record Edge(String from, String to, Span span) {}

    private final Map<String, List<Edge>> edges = new LinkedHashMap<>();
    /** The names that lie on some cycle, for the edges added so far (null: not yet computed). */
    private Set<String> cyclic;

    void add(String from, String to, Span span) {
        if (from.isEmpty()) return;
        edges.computeIfAbsent(from, k -> new ArrayList<>()).add(new Edge(from, to, span));
        cyclic = null;
    }

    boolean inCycle(String name) {
        if (cyclic == null) cyclic = Cycles.namesOnCycles(edges.keySet(), n -> edges.getOrDefault(n, List.of()).stream().map(Edge::to).toList());
        return cyclic.contains(name);
    }

    /** One error per cycle, at the use that appears first in the source. */
    void reportCycles(Diagnostics diagnostics) {
        Set<String> reported = new HashSet<>();
        List<Edge> all = edges.values().stream().flatMap(List::stream)
                .sorted((a, b) -> Integer.compare(a.span().start(), b.span().start())).toList();
        for (Edge e : all) {
            // Searching for a path back costs a walk of the graph: only for uses that can close a cycle.
            List<String> path = reported.contains(e.from()) || !inCycle(e.from()) ? null : path(e.to(), e.from());
            if (path == null) continue;
            reported.addAll(path);
            reported.add(e.from());
            String through = e.from() + " -> " + String.join(" -> ", path);
            diagnostics.error("call.recursion", e.span(), e.from(), through);
        }
    }

    /** The names on a shortest chain of uses from {@code from} to {@code to}, both included; null if none. */
    private List<String> path(String from, String to) {
        Map<String, String> parent = new HashMap<>();
        parent.put(from, null);
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            String n = queue.removeFirst();
            if (n.equals(to)) {
                List<String> out = new ArrayList<>();
                for (String x = n; x != null; x = parent.get(x)) out.addFirst(x);
                return out;
            }
            for (Edge e : edges.getOrDefault(n, List.of())) {
                if (!parent.containsKey(e.to())) {
                    parent.put(e.to(), n);
                    queue.addLast(e.to());
                }
            }
        }
        return null;
    }
}
