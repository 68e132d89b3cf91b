package dev.attnc.compiler.target;

import java.util.Locale;

/**
 * What the target policy needs to know of a device, and nothing else: enough to be written on the
 * command line ({@code --arch sm_90a}, {@code --opencl-limits 1024,49152}) so that a machine
 * without the device makes the same decision as one with it.
 */
public sealed interface DeviceCaps {
    /** The JVM on this machine's CPU: the Java kernels' tiles do not depend on it. */
    record Cpu() implements DeviceCaps {}

    /**
     * An OpenCL device's limits that decide its tiles.
     *
     * @param maxWorkGroupSize work-items a work-group may have
     * @param localMemBytes local memory of one work-group
     */
    record OpenCl(long maxWorkGroupSize, long localMemBytes) implements DeviceCaps {
        /** What {@code attnc compile} assumes with no device and no --opencl-limits: a typical GPU's 1024 work-items and 48 KiB. */
        public static final OpenCl DEFAULT = new OpenCl(1024, 48 * 1024);

        public OpenCl {
            if (maxWorkGroupSize < 1 || localMemBytes < 1) {
                throw new IllegalArgumentException("OpenCL limits must be positive: " + maxWorkGroupSize + "," + localMemBytes);
            }
        }

        /** {@code WG,LOCALBYTES}, as {@code --opencl-limits} takes them. */
        public static OpenCl parse(String text) {
            String[] p = text.split(",");
            if (p.length != 2) throw new IllegalArgumentException("OpenCL limits are WORKGROUP,LOCALBYTES, not " + text);
            return new OpenCl(Long.parseLong(p[0].trim()), Long.parseLong(p[1].trim()));
        }
    }

    /**
     * An NVIDIA GPU of compute capability {@code major.minor}.
     *
     * @param maxSharedPerBlockOptin bytes of shared memory one block may use after opting in
     */
    record Cuda(int major, int minor, int maxSharedPerBlockOptin) implements DeviceCaps {
        /** What {@code attnc compile} assumes with no GPU and no --arch: the H100/H200 attnc is measured on. */
        public static final Cuda DEFAULT = parse("sm_90a");

        public Cuda {
            if (major < 8) throw new IllegalArgumentException("attnc's CUDA kernels need sm_80 or newer, not sm_" + major + minor);
        }

        /** The real architecture NVRTC compiles for (sm_90: wgmma kernels ask for sm_90a themselves). */
        public String smArch() {
            return "sm_" + major + minor;
        }

        /**
         * {@code sm_80}, {@code sm_86}, {@code sm_89}, {@code sm_90} or {@code sm_90a} (the same GPU:
         * which kernels use wgmma is the policy's business), with each one's shared memory a block
         * may opt into (CUDA programming guide, table of compute capabilities).
         */
        public static Cuda parse(String arch) {
            return switch (arch.toLowerCase(Locale.ROOT)) {
                case "sm_80" -> new Cuda(8, 0, 163 * 1024);
                case "sm_86" -> new Cuda(8, 6, 99 * 1024);
                case "sm_89" -> new Cuda(8, 9, 99 * 1024);
                case "sm_90", "sm_90a" -> new Cuda(9, 0, 227 * 1024);
                default -> throw new IllegalArgumentException("unknown CUDA architecture '" + arch + "'; known: sm_80, sm_86, sm_89, sm_90a");
            };
        }
    }
}
