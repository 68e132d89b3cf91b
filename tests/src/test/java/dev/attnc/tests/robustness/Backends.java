package dev.attnc.tests.robustness;

import dev.attnc.Target;
import dev.attnc.ffm.opencl.OpenCl;
import java.util.stream.Stream;

/** The targets the runtime promises are tested on here: java always, opencl where a device exists (cuda in the GPU tests). */
final class Backends {
    private Backends() {}

    static Stream<Target> available() {
        return OpenCl.isAvailable() && !OpenCl.devices().isEmpty() ? Stream.of(Target.JAVA, Target.OPENCL) : Stream.of(Target.JAVA);
    }
}
