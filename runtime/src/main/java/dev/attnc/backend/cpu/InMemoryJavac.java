package dev.attnc.backend.cpu;

import dev.attnc.kernel.cpu.JavaKernel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles one generated kernel with the JDK's own javac, in memory: no files, class bytes back.
 * Generated code is attnc's responsibility, so javac rejecting it is a compiler bug: an
 * IllegalStateException carrying javac's messages and the whole source.
 */
final class InMemoryJavac {
    private InMemoryJavac() {}

    /** The class files of {@code source}, whose top-level class is {@code className} (binary name), by binary name. */
    static Map<String, byte[]> compile(String className, String source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new IllegalStateException("this Java runtime has no compiler (jdk.compiler): the Java backend needs a JDK");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<String, ByteArrayOutputStream> classes = new LinkedHashMap<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
                JavaFileManager memory = new ClassesInMemory(files, classes)) {
            List<String> options = List.of("--add-modules", "jdk.incubator.vector", "-classpath", classpath(),
                    "-proc:none", "-implicit:none", "-Xlint:none", "-nowarn");
            boolean ok = javac.getTask(null, memory, diagnostics, options, null, List.of(new Source(className, source))).call();
            if (!ok) {
                String messages = diagnostics.getDiagnostics().stream()
                        .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                        .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                        .collect(Collectors.joining("\n"));
                throw new IllegalStateException("javac rejected a generated kernel (a bug in attnc's Java code generator):\n"
                        + messages + "\n--- generated source ---\n" + source);
            }
        } catch (IOException e) {
            throw new IllegalStateException("javac's file manager failed", e);
        }
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        classes.forEach((name, out) -> bytes.put(name, out.toByteArray()));
        return bytes;
    }

    /** Where the classes that kernels link against (the kernel-runtime module) are: a directory or a jar. */
    private static String classpath() {
        CodeSource where = JavaKernel.class.getProtectionDomain().getCodeSource();
        if (where == null) return System.getProperty("java.class.path");
        try {
            return Path.of(where.getLocation().toURI()).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return System.getProperty("java.class.path");
        }
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    private static final class ClassesInMemory extends ForwardingJavaFileManager<StandardJavaFileManager> {
        private final Map<String, ByteArrayOutputStream> classes;

        ClassesInMemory(StandardJavaFileManager files, Map<String, ByteArrayOutputStream> classes) {
            super(files);
            this.classes = classes;
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
            return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
                @Override
                public OutputStream openOutputStream() {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    classes.put(className, out);
                    return out;
                }
            };
        }
    }
}
