//! x86_64: boot hand-off (PVH), CPU primitives, descriptor tables, interrupts, Local APIC,
//! PIT, per-CPU data and SMP bring-up. The assembly stubs live in asm/ (built by build.rs).
pub mod apic;
pub mod cpu;
pub mod gdt;
pub mod idt;
pub mod interrupts;
pub mod ioapic;
pub mod percpu;
pub mod pit;
pub mod pvh;
pub mod smp;
