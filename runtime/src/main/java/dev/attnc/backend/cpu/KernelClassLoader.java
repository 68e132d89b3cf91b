package dev.attnc.backend.cpu;

import dev.attnc.kernel.cpu.JavaKernel;
import java.util.Map;

/**
 * One class loader per kernel, defining only that kernel's classes: kernels never see each other,
 * and a kernel nobody uses any more can be unloaded with its loader.
 */
final class KernelClassLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    KernelClassLoader(Map<String, byte[]> classes) {
        super("attnc-kernel", JavaKernel.class.getClassLoader());
        this.classes = Map.copyOf(classes);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = classes.get(name);
        if (b == null) throw new ClassNotFoundException(name);
        return defineClass(name, b, 0, b.length);
    }

    /** A new instance of the kernel class {@code className} (a JavaKernel or a JavaBackwardKernel). */
    static Object instantiate(String className, Map<String, byte[]> classes) {
        try {
            Class<?> c = Class.forName(className, true, new KernelClassLoader(classes));
            return c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the compiled kernel " + className, e);
        }
    }
}
