#!/usr/bin/env python3
"""Where a kernel spills, without cuobjdump (CI machines have nvcc but no disassembler): the local-memory
instructions (STL, LDL) of a kernel in a cubin built with -lineinfo, each with the source line it belongs to.

    spill_sites.py KERNEL.cubin ENTRY

An instruction is 16 bytes from sm_70 on; its opcode is the low 12 bits (STL 0x387, LDL 0x983, as public
reverse-engineering tables of these encodings give them). The count is checked against ptxas's own: 4-byte
spills, so STL x 4 = ptxas -v's "bytes spill stores" (session 23: 15 / 15 and 60 / 60 bytes on the sliding
window's dK/dV kernel; 0 / 0 on a kernel ptxas says does not spill). The source lines come from the cubin's
DWARF line table (.debug_line), the sequence whose end is the kernel's size."""
import struct, sys, collections

def sections(data):
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3A)
    secs = []
    for i in range(shnum):
        name, typ, flags, addr, off, size = struct.unpack_from('<IIQQQQ', data, shoff + i * shentsize)
        secs.append([name, typ, off, size])
    stroff = secs[shstrndx][2]
    out = {}
    for name, typ, off, size in secs:
        end = data.index(b'\0', stroff + name)
        out[data[stroff + name:end].decode()] = (off, size)
    return out

def uleb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i

def sleb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            if x & 0x40: r -= 1 << s
            return r, i

def line_table(b):
    """DWARF 2-4 line programs: list of (address, file, line) rows (addresses per sequence)."""
    seqs = []; rows = []; i = 0
    while i < len(b):
        unit_len, = struct.unpack_from('<I', b, i); start = i + 4; end = start + unit_len
        ver, = struct.unpack_from('<H', b, start)
        hdr_len, = struct.unpack_from('<I', b, start + 2)
        p = start + 6
        min_inst = b[p]; p += 1
        if ver >= 4: p += 1
        default_is_stmt = b[p]; line_base = struct.unpack_from('<b', b, p + 1)[0]; line_range = b[p + 2]; opcode_base = b[p + 3]
        std_lens = list(b[p + 4:p + 4 + opcode_base - 1]); p = p + 4 + opcode_base - 1
        while b[p] != 0:
            e = b.index(b'\0', p); p = e + 1
        p += 1
        files = []
        while b[p] != 0:
            e = b.index(b'\0', p); name = b[p:e].decode(errors='replace'); p = e + 1
            _, p = uleb(b, p); _, p = uleb(b, p); _, p = uleb(b, p); files.append(name)
        p = start + 6 + hdr_len
        addr = 0; f = 1; line = 1
        while p < end:
            op = b[p]; p += 1
            if op >= opcode_base:
                adj = op - opcode_base
                addr += (adj // line_range) * min_inst; line += line_base + adj % line_range
                rows.append((addr, files[f - 1] if 0 < f <= len(files) else '?', line))
            elif op == 0:
                n, p = uleb(b, p); sub = b[p]
                if sub == 1:
                    seqs.append((addr, rows)); rows = []; addr = 0; f = 1; line = 1
                elif sub == 2: addr, = struct.unpack_from('<Q' if n == 9 else '<I', b, p + 1)
                p += n
            elif op == 1: rows.append((addr, files[f - 1] if 0 < f <= len(files) else '?', line))
            elif op == 2: a, p = uleb(b, p); addr += a * min_inst
            elif op == 3: a, p = sleb(b, p); line += a
            elif op == 4: f, p = uleb(b, p)
            elif op == 5: _, p = uleb(b, p)
            elif op in (6, 7): pass
            elif op == 8: addr += ((255 - opcode_base) // line_range) * min_inst
            elif op == 9: a, = struct.unpack_from('<H', b, p); p += 2; addr += a
            else:
                for _ in range(std_lens[op - 1]): _, p = uleb(b, p)
        i = end
    return seqs

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cubin, kernel = sys.argv[1], sys.argv[2]
    data = open(cubin, 'rb').read()
    secs = sections(data)
    off, size = secs['.text.' + kernel]
    ops = collections.Counter(); local = []
    for pc in range(0, size, 16):
        w0, = struct.unpack_from('<Q', data, off + pc)
        op = w0 & 0xfff
        ops[op] += 1
        if op in (0x387, 0x983): local.append((pc, 'STL' if op == 0x387 else 'LDL'))
    print(f'{size // 16} instructions; STL {sum(1 for _, k in local if k == "STL")}, LDL {sum(1 for _, k in local if k == "LDL")}')
    if '.debug_line' in secs and local:
        o, s = secs['.debug_line']
        seqs = line_table(data[o:o + s])
        rows = sorted(next(r for e, r in seqs if e == size))
        import bisect
        addrs = [r[0] for r in rows]
        for pc, k in local:
            j = bisect.bisect_right(addrs, pc) - 1
            where = f'{rows[j][1].split("/")[-1]}:{rows[j][2]}' if j >= 0 else '?'
            print(f'  {pc:#07x} {k} {where}')

main()
