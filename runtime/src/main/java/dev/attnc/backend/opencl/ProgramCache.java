package dev.attnc.backend.opencl;

import dev.attnc.backend.DiskCache;
import dev.attnc.DeviceException;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClDevice;
import dev.attnc.ffm.opencl.ClProgram;
import java.util.HashMap;
import java.util.Map;

/**
 * Built programs of one device, in memory and (optionally) on disk. The key is the SHA-256 of
 * the source, the build options and the device's name and driver version (CL_DEVICE_VERSION and
 * the platform's version, which carry the driver's release), so a new driver never loads an old
 * binary. Each disk entry holds its full key ({@link DiskCache}): another program's binary under
 * this key's name (another shape, another variant) is a miss, rebuilt from source and overwritten,
 * never loaded. A disk entry the driver refuses is deleted and rebuilt from source too.
 */
final class ProgramCache {
    private final ClContext context;
    private final DiskCache disk;
    private final Map<String, ClProgram> memory = new HashMap<>();
    private int builds;

    /** @param disk null for no disk cache */
    ProgramCache(ClContext context, DiskCache disk) {
        this.context = context;
        this.disk = disk;
    }

    /** How many programs were compiled from source (not found in either cache). */
    int builds() {
        return builds;
    }

    String key(String source, String options) {
        ClDevice d = context.device();
        return DiskCache.key(source, options, d.name(), d.vendor(), d.version(), d.platform().name(), d.platform().version());
    }

    ClProgram get(String source, String options) {
        String key = key(source, options);
        ClProgram program = memory.get(key);
        if (program != null) return program;
        program = fromDisk(key);
        if (program == null) {
            program = context.build(source, options);
            builds++;
            if (disk != null) disk.put(key, program.binary());
        }
        memory.put(key, program);
        return program;
    }

    private ClProgram fromDisk(String key) {
        if (disk == null) return null;
        byte[] binary = disk.get(key);
        if (binary == null) return null;
        try {
            return context.fromBinary(binary);
        } catch (DeviceException e) {
            disk.delete(key); // stale or foreign: rebuild from source
            return null;
        }
    }
}
