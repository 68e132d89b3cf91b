package dev.attnc.compiler.diag;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/** The message texts of diagnostic keys, kept in diagnostics.properties beside the front end. */
public final class Messages {
    private static final Properties TEXTS = load();

    private Messages() {}

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Messages.class.getResourceAsStream("/dev/attnc/compiler/front/diagnostics.properties")) {
            if (in == null) throw new IllegalStateException("diagnostics.properties is missing from the class path");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    public static boolean exists(String key) {
        return TEXTS.containsKey(key);
    }

    public static java.util.Set<String> keys() {
        return TEXTS.stringPropertyNames();
    }

    static String format(String key, List<Object> args) {
        String pattern = TEXTS.getProperty(key);
        if (pattern == null) throw new IllegalArgumentException("no message for diagnostic key " + key);
        return new MessageFormat(pattern, Locale.ROOT).format(args.toArray());
    }
}
