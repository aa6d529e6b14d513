/* Exo-OS user library: string helpers, a small printf, and the C entry called by start.S. */
#include <stdarg.h>
#include "exo.h"

u64 strlen(const char *s) {
    u64 n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (unsigned char)*a - (unsigned char)*b;
}

void *memset(void *d, int c, u64 n) {
    unsigned char *p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, u64 n) {
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--) *p++ = *q++;
    return d;
}

static void put_num(char *buf, u64 *len, u64 v, unsigned base, int neg) {
    char tmp[24];
    int n = 0;
    do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
    if (neg) tmp[n++] = '-';
    while (n && *len < 511) buf[(*len)++] = tmp[--n];
}

void printf(const char *fmt, ...) {
    char buf[512];
    u64 len = 0;
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p && len < 511; p++) {
        if (*p != '%') { buf[len++] = *p; continue; }
        p++;
        while (*p == 'l') p++;
        if (*p == 's') {
            const char *s = va_arg(ap, const char *);
            while (*s && len < 511) buf[len++] = *s++;
        } else if (*p == 'd') {
            i64 v = va_arg(ap, i64);
            put_num(buf, &len, v < 0 ? (u64)-v : (u64)v, 10, v < 0);
        } else if (*p == 'x') {
            put_num(buf, &len, va_arg(ap, u64), 16, 0);
        } else if (*p == 'c') {
            buf[len++] = (char)va_arg(ap, int);
        } else {
            buf[len++] = *p;
        }
    }
    va_end(ap);
    sys_write(1, buf, len);
}

int main(int argc, char **argv, char **envp);

/* sp points at argc (System V process stack: argc, argv..., NULL, envp..., NULL, auxv). */
void exo_start_c(u64 *sp) {
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    sys_exit(main(argc, argv, envp));
}
