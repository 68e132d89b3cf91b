package dev.attnc.backend.cpu;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes of one on-disk cache entry: a header (magic, format, the key, the payload's length and
 * SHA-256) and the payload (the kernel's class files by name). {@link #decode} trusts nothing: a
 * wrong magic or key, a short or long payload, or a checksum that does not match is an IOException.
 */
final class CacheFile {
    private static final int MAGIC = 0x4154_4b43; // "ATKC"
    private static final int FORMAT = 1;

    private CacheFile() {}

    static byte[] encode(KernelKey key, Map<String, byte[]> classes) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            DataOutputStream p = new DataOutputStream(payload);
            p.writeInt(classes.size());
            for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                p.writeUTF(c.getKey());
                p.writeInt(c.getValue().length);
                p.write(c.getValue());
            }
            byte[] body = payload.toByteArray();
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            DataOutputStream f = new DataOutputStream(file);
            f.writeInt(MAGIC);
            f.writeInt(FORMAT);
            f.writeUTF(key.hex());
            f.writeInt(body.length);
            f.write(KernelKey.sha256().digest(body));
            f.write(body);
            return file.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    /** The class files of an entry written by {@link #encode} for {@code key}. */
    static Map<String, byte[]> decode(KernelKey key, byte[] file) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(file));
        if (in.readInt() != MAGIC) throw new IOException("not a kernel cache entry");
        if (in.readInt() != FORMAT) throw new IOException("an entry of another format");
        if (!in.readUTF().equals(key.hex())) throw new IOException("an entry for another key");
        int length = in.readInt();
        byte[] checksum = in.readNBytes(32);
        byte[] body = in.readAllBytes();
        if (body.length != length) throw new IOException("payload of " + body.length + " bytes, header says " + length);
        if (!MessageDigest.isEqual(checksum, KernelKey.sha256().digest(body))) throw new IOException("checksum mismatch");
        DataInputStream p = new DataInputStream(new ByteArrayInputStream(body));
        int count = p.readInt();
        Map<String, byte[]> classes = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = p.readUTF();
            int size = p.readInt();
            if (size < 0 || size > p.available()) throw new IOException("malformed payload");
            classes.put(name, p.readNBytes(size));
        }
        if (classes.isEmpty() || p.available() > 0) throw new IOException("malformed payload");
        return classes;
    }
}
