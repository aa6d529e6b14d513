/* hello: prints its argv (exec'd by init with arguments) and the first auxv entries it knows. */
#include "exo.h"

int main(int argc, char **argv, char **envp) {
    printf("hello: argc=%d", (i64)argc);
    for (int i = 0; i < argc; i++) printf(" argv[%d]=%s", (i64)i, argv[i]);
    printf("\n");
    for (char **e = envp; *e; e++) printf("hello: env %s\n", *e);
    u64 *aux = (u64 *)envp;
    while (*aux) aux++;
    aux++;
    for (; aux[0]; aux += 2) {
        if (aux[0] == 3 || aux[0] == 6 || aux[0] == 9) printf("hello: auxv %d=%x\n", (i64)aux[0], aux[1]);
    }
    return 0;
}
