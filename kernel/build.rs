// Links the kernel: assembles the AT&T stubs with `cc -g` (so they carry line info) and passes
// the linker script plus the bare-metal link flags to the bin target only.
use std::path::PathBuf;
use std::process::Command;

const ASM: &[&str] = &["boot", "trampoline", "isr", "mem", "probe"];

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    for name in ASM {
        let src = dir.join(format!("src/arch/x86_64/asm/{name}.S"));
        let obj = out.join(format!("{name}.o"));
        let status = Command::new(&cc)
            .args(["-c", "-g", "-o"])
            .arg(&obj)
            .arg(&src)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {cc} to assemble {}: {e}", src.display()));
        assert!(status.success(), "assembling {} failed", src.display());
        println!("cargo:rerun-if-changed={}", src.display());
        println!("cargo:rustc-link-arg-bins={}", obj.display());
    }
    let script = dir.join("linker.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,-z,max-page-size=0x1000",
        "-Wl,--build-id=none",
        "-Wl,-z,noexecstack",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    // The link map lets the red-zone check tell our code from the precompiled core's.
    println!("cargo:rustc-link-arg-bins=-Wl,-Map={}", out.join("exo.map").display());
}
