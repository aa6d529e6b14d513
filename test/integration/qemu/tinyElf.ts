// Hand-built kernel images for launcher tests (no toolchain needed): a 32-bit multiboot ELF
// that prints to COM1 and exits through isa-debug-exit, and 64-bit ELFs QEMU must refuse.

const MB_MAGIC = 0x1badb002;
const LOAD_ADDR = 0x100000;

/** 32-bit multiboot ELF: writes `text` to COM1 (0x3f8), then writes `exitValue` to port 0xf4. */
export function multibootSerialKernel(text: string, exitValue: number): Uint8Array {
  const code: number[] = [0x66, 0xba, 0xf8, 0x03];           // mov dx, 0x3f8
  for (const ch of Buffer.from(text, 'latin1')) code.push(0xb0, ch, 0xee); // mov al, ch; out dx, al
  code.push(0x66, 0xba, 0xf4, 0x00, 0xb0, exitValue & 0xff, 0xee); // mov dx, 0xf4; mov al, v; out dx, al
  code.push(0xf4, 0xeb, 0xfd);                               // hlt; jmp back to hlt
  return elf({ cls: 32, machine: 3, multiboot: true, code });
}

/** 32-bit multiboot ELF: echoes COM1 input back until it reads '!', then writes `exitValue` to port 0xf4. */
export function multibootEchoKernel(exitValue: number): Uint8Array {
  const code = [
    0x66, 0xba, 0xfd, 0x03, // top: mov dx, 0x3fd (line status)
    0xec,                   // wait: in al, dx
    0xa8, 0x01,             // test al, 1 (data ready)
    0x74, 0xfb,             // jz wait
    0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
    0xec, 0xee,             // in al, dx; out dx, al
    0x3c, 0x21,             // cmp al, '!'
    0x75, 0xed,             // jne top
    0x66, 0xba, 0xf4, 0x00, 0xb0, exitValue & 0xff, 0xee, // mov dx, 0xf4; mov al, v; out dx, al
    0xf4, 0xeb, 0xfd,       // hlt; jmp back to hlt
  ];
  return elf({ cls: 32, machine: 3, multiboot: true, code });
}

/** A 64-bit ELF with neither a PVH note nor a multiboot header. */
export function elf64NoPvh(): Uint8Array {
  return elf({ cls: 64, machine: 62, multiboot: false, code: [0xf4, 0xeb, 0xfd] });
}

/** A 64-bit ELF that carries a multiboot header (QEMU's multiboot loader wants 32-bit). */
export function elf64Multiboot(): Uint8Array {
  return elf({ cls: 64, machine: 62, multiboot: true, code: [0xf4, 0xeb, 0xfd] });
}

function elf(o: { cls: 32 | 64; machine: number; multiboot: boolean; code: number[] }): Uint8Array {
  const is64 = o.cls === 64;
  const ehSize = is64 ? 64 : 52;
  const phSize = is64 ? 56 : 32;
  const mbOff = ehSize + phSize;                 // 4-byte aligned in both classes
  const codeOff = mbOff + (o.multiboot ? 12 : 0);
  const size = codeOff + o.code.length;
  const b = Buffer.alloc(size);
  // e_ident
  b.write('\x7fELF', 0, 'latin1');
  b[4] = is64 ? 2 : 1; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(2, 16);                         // ET_EXEC
  b.writeUInt16LE(o.machine, 18);
  b.writeUInt32LE(1, 20);                         // EV_CURRENT
  const entry = LOAD_ADDR + codeOff;
  if (is64) {
    b.writeBigUInt64LE(BigInt(entry), 24);
    b.writeBigUInt64LE(BigInt(ehSize), 32);       // e_phoff
    b.writeUInt16LE(ehSize, 52); b.writeUInt16LE(phSize, 54); b.writeUInt16LE(1, 56);
    b.writeUInt16LE(64, 58);                      // e_shentsize (no sections)
    // PT_LOAD
    b.writeUInt32LE(1, ehSize); b.writeUInt32LE(5, ehSize + 4);
    b.writeBigUInt64LE(0n, ehSize + 8);
    b.writeBigUInt64LE(BigInt(LOAD_ADDR), ehSize + 16); b.writeBigUInt64LE(BigInt(LOAD_ADDR), ehSize + 24);
    b.writeBigUInt64LE(BigInt(size), ehSize + 32); b.writeBigUInt64LE(BigInt(size), ehSize + 40);
    b.writeBigUInt64LE(0x1000n, ehSize + 48);
  } else {
    b.writeUInt32LE(entry, 24);
    b.writeUInt32LE(ehSize, 28);                  // e_phoff
    b.writeUInt16LE(ehSize, 40); b.writeUInt16LE(phSize, 42); b.writeUInt16LE(1, 44);
    b.writeUInt16LE(40, 46);                      // e_shentsize (no sections)
    b.writeUInt32LE(1, ehSize); b.writeUInt32LE(0, ehSize + 4);
    b.writeUInt32LE(LOAD_ADDR, ehSize + 8); b.writeUInt32LE(LOAD_ADDR, ehSize + 12);
    b.writeUInt32LE(size, ehSize + 16); b.writeUInt32LE(size, ehSize + 20);
    b.writeUInt32LE(5, ehSize + 24); b.writeUInt32LE(0x1000, ehSize + 28);
  }
  if (o.multiboot) {
    b.writeUInt32LE(MB_MAGIC, mbOff);
    b.writeUInt32LE(0, mbOff + 4);                // flags: plain ELF loading
    b.writeUInt32LE((-MB_MAGIC) >>> 0, mbOff + 8);
  }
  Buffer.from(o.code).copy(b, codeOff);
  return new Uint8Array(b);
}
