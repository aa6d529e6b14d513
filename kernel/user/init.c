/* init (pid 1): exercises the kernel end to end (COW fork on several CPUs, fd inheritance, exec
   with arguments, exec failures, initrd reads, brk), reports each check on the console and
   ends with exactly `exo: init: done cow_faults=<N>`, then idles in wait(). */
#include "exo.h"

#define WORKERS 4

/* Three pages in .data, shared copy-on-write with the workers. */
static char pages[3][4096] __attribute__((aligned(4096))) = {{'P'}, {'Q'}, {'S'}};

static void spin(u64 n) {
    for (volatile u64 i = 0; i < n; i++) {}
}

static int worker(int k) {
    char seen = pages[0][0];
    pages[0][0] = (char)('0' + k); /* first write: COW copy (init still shares the page) */
    i64 cpu = exo_cpu();
    i64 running = 0;
    /* Stay busy until every CPU runs a user process at once (or give up after a while). */
    for (int i = 0; i < 4000 && running < 4; i++) {
        i64 r = exo_running();
        if (r > running) running = r;
        spin(20000);
    }
    for (int i = 0; i < 100; i++) {
        if (pages[0][0] != (char)('0' + k)) {
            printf("exo: worker %d: lost its own value\n", (i64)k);
            return 1;
        }
        sys_yield();
    }
    printf("exo: worker %d pid=%d cpu=%d saw=%c own=%c refcount=%d running_max=%d\n", (i64)k, sys_getpid(), cpu, seen,
           pages[0][0], exo_refcount(pages[0]), running);
    return 10 + k;
}

static void check_cow(void) {
    printf("exo: init: pages at %x %x %x\n", (u64)pages[0], (u64)pages[1], (u64)pages[2]);
    i64 before = exo_free_frames();
    for (int k = 0; k < WORKERS; k++) {
        i64 pid = sys_fork();
        if (pid == 0) sys_exit(worker(k));
        if (pid < 0) printf("exo: init: fork failed %d\n", pid);
    }
    int codes = 0;
    for (int k = 0; k < WORKERS; k++) {
        int status = 0;
        i64 pid = sys_wait(&status);
        if (pid > 0) codes += status;
    }
    i64 rc = exo_refcount(pages[0]);
    pages[0][0] = 'R'; /* all sharers gone: COW reuse in place */
    printf("exo: init: cow parent=%c refcount_before=%d refcount_after=%d exit_codes=%d\n", pages[0][0], rc,
           exo_refcount(pages[0]), (i64)codes);
    printf("exo: init: frames before=%d after=%d\n", before, exo_free_frames());
}

static void check_fds(void) {
    int fd = (int)sys_open("/tmp/shared", O_CREAT | O_RDWR | O_TRUNC);
    i64 pid = sys_fork();
    if (pid == 0) {
        i64 n = sys_write(fd, "child-wrote", 11);
        sys_exit(n == 11 ? 0 : 1);
    }
    int status = -1;
    sys_wait(&status);
    i64 off = sys_lseek(fd, 0, 1);
    char buf[32] = {0};
    sys_lseek(fd, 0, 0);
    i64 n = sys_read(fd, buf, sizeof buf - 1);
    printf("exo: init: fd inherited: child status=%d offset=%d read=%d '%s'\n", (i64)status, off, n, buf);
    sys_close(fd);
}

static void check_exec(void) {
    i64 pid = sys_fork();
    if (pid == 0) {
        char *argv[] = {"hello", "one", "two three", 0};
        char *envp[] = {"EXO=1", 0};
        i64 r = sys_execve("/bin/hello", argv, envp);
        printf("exo: init: exec hello failed: %d\n", r);
        sys_exit(1);
    }
    int status = -1;
    sys_wait(&status);
    printf("exo: init: hello exited status=%d\n", (i64)status);
    char *argv[] = {"bad", 0};
    char *envp[] = {0};
    printf("exo: init: exec /bin/bad -> %d\n", sys_execve("/bin/bad", argv, envp));
    printf("exo: init: exec /bin/interp -> %d\n", sys_execve("/bin/interp", argv, envp));
    printf("exo: init: exec /bin/missing -> %d\n", sys_execve("/bin/missing", argv, envp));
    printf("exo: init: still running as pid %d after failed execs\n", sys_getpid());
}

static void check_files(void) {
    char buf[256];
    int fd = (int)sys_open("/etc/motd", O_RDONLY);
    i64 n = fd < 0 ? fd : sys_read(fd, buf, sizeof buf - 1);
    u64 sum = 0;
    for (i64 i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
    buf[n > 0 ? n : 0] = 0;
    printf("exo: init: motd len=%d sum=%x\n", n, sum);
    sys_close(fd);
    int d = (int)sys_open("/bin", O_RDONLY);
    char ents[512];
    i64 len = sys_getdents(d, ents, sizeof ents);
    printf("exo: init: /bin:");
    /* linux_dirent64: ino u64, off i64, reclen u16, type u8, name */
    for (i64 off = 0; off < len;) {
        unsigned short reclen = *(unsigned short *)(ents + off + 16);
        printf(" %s", ents + off + 19);
        off += reclen;
    }
    printf("\n");
    sys_close(d);
    int c = (int)sys_open("/dev/console", O_WRONLY);
    sys_write(c, "exo: init: via /dev/console\n", 28);
    sys_close(c);
}

/* A child that writes to its read-only text and one that touches an unmapped address are
   ended by the kernel (status -128 - vector); init goes on. */
static void check_faults(void) {
    volatile char *targets[2] = {(volatile char *)(u64)&check_faults, (volatile char *)0x10};
    for (int i = 0; i < 2; i++) {
        if (sys_fork() == 0) {
            *targets[i] = 1;
            sys_exit(0);
        }
        int status = 0;
        sys_wait(&status);
        printf("exo: init: faulting child %d status=%d\n", (i64)i, (i64)status);
    }
}

static void check_brk(void) {
    u64 cur = (u64)sys_brk(0);
    u64 next = (u64)sys_brk(cur + 8192);
    char *p = (char *)cur;
    p[0] = 'b';
    p[8191] = 'k';
    printf("exo: init: brk grew=%d ok=%d\n", (i64)(next - cur), (i64)(p[0] == 'b' && p[8191] == 'k'));
}

int main(int argc, char **argv, char **envp) {
    (void)argc; (void)argv; (void)envp;
    printf("exo: init: pid %d on cpu %d\n", sys_getpid(), exo_cpu());
    check_cow();
    check_fds();
    check_exec();
    check_files();
    check_faults();
    check_brk();
    printf("exo: init: done cow_faults=%d\n", exo_cow_total());
    for (;;) sys_pause(); /* idle: the system stays up for a debugger */
}
