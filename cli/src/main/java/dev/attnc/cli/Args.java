package dev.attnc.cli;

import dev.attnc.AttnInputException;
import dev.attnc.io.Npy;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --arg NAME=VALUE}: VALUE is a number, true/false, or a path to a .npy file for a tensor. */
final class Args {
    private Args() {}

    static Map<String, Object> parse(List<String> specs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) throw new AttnInputException("--arg needs NAME=VALUE, but got '" + spec + "'");
            String name = spec.substring(0, eq).trim();
            String value = spec.substring(eq + 1).trim();
            if (out.containsKey(name)) throw new AttnInputException("--arg " + name + " is given twice");
            out.put(name, value(name, value));
        }
        return out;
    }

    private static Object value(String name, String v) {
        if (v.equals("true") || v.equals("false")) return Boolean.parseBoolean(v);
        if (v.endsWith(".npy")) return Npy.read(Path.of(v));
        if (v.matches("[-+]?\\d+")) {
            // an integer beyond int stays a number: a float parameter takes it, an int parameter says it is out of range
            BigInteger n = new BigInteger(v);
            return n.bitLength() < Integer.SIZE ? (Object) n.intValue() : n.bitLength() < Long.SIZE ? (Object) n.longValue() : n.doubleValue();
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new AttnInputException("--arg " + name + "=" + v + ": the value must be a number, true, false or a path to a .npy file");
        }
    }
}
