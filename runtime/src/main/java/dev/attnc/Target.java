package dev.attnc;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Where a kernel runs: generated Java on the CPU, OpenCL C on an OpenCL device, CUDA C on an NVIDIA GPU. */
public enum Target {
    JAVA, OPENCL, CUDA;

    public String word() {
        return name().toLowerCase();
    }

    public static Target parse(String s) {
        for (Target t : values()) if (t.word().equals(s.toLowerCase())) return t;
        throw new AttnInputException("unknown target '" + s + "'; targets: "
                + Arrays.stream(values()).map(Target::word).collect(Collectors.joining(", ")));
    }
}
