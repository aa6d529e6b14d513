/* Exo-OS user library: system call wrappers (int 0x80, Linux-like numbers; rax = number,
   rdi/rsi/rdx = arguments, rax = result, negative = -errno) and tiny print helpers. */
#ifndef EXO_H
#define EXO_H

typedef unsigned long u64;
typedef long i64;

#define SYS_READ 0
#define SYS_WRITE 1
#define SYS_OPEN 2
#define SYS_CLOSE 3
#define SYS_LSEEK 8
#define SYS_BRK 12
#define SYS_SCHED_YIELD 24
#define SYS_PAUSE 34
#define SYS_GETPID 39
#define SYS_FORK 57
#define SYS_EXECVE 59
#define SYS_EXIT 60
#define SYS_WAIT 61
#define SYS_GETDENTS 217
/* Exo-OS introspection calls (for init's self-checks). */
#define SYS_EXO_COW_TOTAL 500
#define SYS_EXO_REFCOUNT 501
#define SYS_EXO_FREE_FRAMES 502
#define SYS_EXO_CPU 503
#define SYS_EXO_RUNNING 504

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000

static inline i64 syscall3(i64 n, i64 a, i64 b, i64 c) {
    i64 r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "memory");
    return r;
}

static inline i64 sys_write(int fd, const void *buf, u64 n) { return syscall3(SYS_WRITE, fd, (i64)buf, (i64)n); }
static inline i64 sys_read(int fd, void *buf, u64 n) { return syscall3(SYS_READ, fd, (i64)buf, (i64)n); }
static inline i64 sys_open(const char *path, int flags) { return syscall3(SYS_OPEN, (i64)path, flags, 0); }
static inline i64 sys_close(int fd) { return syscall3(SYS_CLOSE, fd, 0, 0); }
static inline i64 sys_lseek(int fd, i64 off, int whence) { return syscall3(SYS_LSEEK, fd, off, whence); }
static inline i64 sys_brk(u64 addr) { return syscall3(SYS_BRK, (i64)addr, 0, 0); }
static inline i64 sys_yield(void) { return syscall3(SYS_SCHED_YIELD, 0, 0, 0); }
static inline i64 sys_pause(void) { return syscall3(SYS_PAUSE, 0, 0, 0); }
static inline i64 sys_getpid(void) { return syscall3(SYS_GETPID, 0, 0, 0); }
static inline i64 sys_fork(void) { return syscall3(SYS_FORK, 0, 0, 0); }
static inline i64 sys_execve(const char *path, char *const argv[], char *const envp[]) {
    return syscall3(SYS_EXECVE, (i64)path, (i64)argv, (i64)envp);
}
static inline __attribute__((noreturn)) void sys_exit(int code) {
    syscall3(SYS_EXIT, code, 0, 0);
    for (;;) {}
}
/* Waits for any child; returns its pid and stores its exit code in *status. */
static inline i64 sys_wait(int *status) { return syscall3(SYS_WAIT, -1, (i64)status, 0); }
static inline i64 sys_getdents(int fd, void *buf, u64 n) { return syscall3(SYS_GETDENTS, fd, (i64)buf, (i64)n); }
static inline i64 exo_cow_total(void) { return syscall3(SYS_EXO_COW_TOTAL, 0, 0, 0); }
static inline i64 exo_refcount(const void *addr) { return syscall3(SYS_EXO_REFCOUNT, (i64)addr, 0, 0); }
static inline i64 exo_free_frames(void) { return syscall3(SYS_EXO_FREE_FRAMES, 0, 0, 0); }
static inline i64 exo_cpu(void) { return syscall3(SYS_EXO_CPU, 0, 0, 0); }
static inline i64 exo_running(void) { return syscall3(SYS_EXO_RUNNING, 0, 0, 0); }

u64 strlen(const char *s);
int strcmp(const char *a, const char *b);
void *memset(void *d, int c, u64 n);
void *memcpy(void *d, const void *s, u64 n);
/* printf subset: %s %d %x %c (with l modifiers ignored), to fd 1 in one write. */
void printf(const char *fmt, ...);

#endif
