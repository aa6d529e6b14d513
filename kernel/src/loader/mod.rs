//! exec's program loader: ELF64 images (elf.rs) and the initial user stack with argv, envp and
//! the auxiliary vector (stack.rs).
pub mod elf;
pub mod stack;
