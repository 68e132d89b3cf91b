package dev.attnc.compiler.front;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The nodes of a directed graph that lie on a cycle: strongly connected components (Tarjan's
 * algorithm, with an explicit stack so that a chain of 100,000 definitions does not overflow the
 * Java stack) of more than one node, and nodes with an edge to themselves. Linear in the graph.
 */
final class Cycles {
    private Cycles() {}

    private static final class Frame {
        final String node;
        final Iterator<String> next;

        Frame(String node, Iterator<String> next) {
            this.node = node;
            this.next = next;
        }
    }

    static Set<String> namesOnCycles(Collection<String> nodes, Function<String, List<String>> successors) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Set<String> onStack = new HashSet<>();
        Deque<String> component = new ArrayDeque<>();
        Set<String> out = new HashSet<>();
        for (String root : nodes) {
            if (index.containsKey(root)) continue;
            Deque<Frame> frames = new ArrayDeque<>();
            enter(root, index, low, onStack, component, frames, successors);
            while (!frames.isEmpty()) {
                Frame f = frames.peek();
                if (f.next.hasNext()) {
                    String w = f.next.next();
                    if (w.equals(f.node)) out.add(w);
                    if (!index.containsKey(w)) {
                        enter(w, index, low, onStack, component, frames, successors);
                    } else if (onStack.contains(w)) {
                        low.put(f.node, Math.min(low.get(f.node), index.get(w)));
                    }
                    continue;
                }
                frames.pop();
                if (!frames.isEmpty()) low.put(frames.peek().node, Math.min(low.get(frames.peek().node), low.get(f.node)));
                if (low.get(f.node).equals(index.get(f.node))) {
                    List<String> members = new ArrayList<>();
                    String w;
                    do {
                        w = component.pop();
                        onStack.remove(w);
                        members.add(w);
                    } while (!w.equals(f.node));
                    if (members.size() > 1) out.addAll(members);
                }
            }
        }
        return out;
    }

    private static void enter(String v, Map<String, Integer> index, Map<String, Integer> low, Set<String> onStack,
            Deque<String> component, Deque<Frame> frames, Function<String, List<String>> successors) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        component.push(v);
        onStack.add(v);
        frames.push(new Frame(v, successors.apply(v).iterator()));
    }
}
