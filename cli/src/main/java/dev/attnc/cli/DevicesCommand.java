package dev.attnc.cli;

import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.ffm.cuda.CudaDevice;
import dev.attnc.ffm.opencl.ClDevice;
import dev.attnc.ffm.opencl.OpenCl;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnc devices}: the backends and devices on this machine; a missing driver is said, not thrown. */
@Command(mixinStandardHelpOptions = true, name = "devices", description = "List the backends and devices found on this machine.")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "java    0  CPU: %d cores, Vector API %d-bit floats%n", Runtime.getRuntime().availableProcessors(),
                FloatVector.SPECIES_PREFERRED.vectorBitSize());
        if (!OpenCl.isAvailable()) {
            out.println("opencl     none: libOpenCL.so.1 was not found (install ocl-icd-libopencl1 and a driver, e.g. pocl-opencl-icd)");
        } else {
            List<ClDevice> devices = OpenCl.devices();
            if (devices.isEmpty()) out.println("opencl     none: the OpenCL loader found no platform (no driver registered in /etc/OpenCL/vendors)");
            for (int i = 0; i < devices.size(); i++) {
                ClDevice d = devices.get(i);
                out.printf(Locale.ROOT, "opencl  %d  %s (%s, %s), %d compute units, %d MiB%s%n", i, d.name(), d.platform().name(), d.type(),
                        d.computeUnits(), d.globalMemBytes() >> 20, d.supportsFp16() ? ", fp16" : "");
            }
        }
        List<CudaDevice> gpus = Cuda.devices();
        if (gpus.isEmpty()) out.println("cuda       none: " + Cuda.unavailableReason().orElse("no NVIDIA GPU found"));
        for (CudaDevice g : gpus) {
            out.printf(Locale.ROOT, "cuda    %d  %s, %s, %d SMs, %d MiB%n", g.ordinal(), g.name(), g.smArch(), g.smCount(), g.totalMemoryBytes() >> 20);
        }
        out.flush();
        return Main.OK;
    }
}
