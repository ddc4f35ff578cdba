/* lmbench-lite: the paper's lmbench-style operations (Table 3 of "Xen and the Art of
 * Virtualization": null call, fork, exec, page fault, context switch), as one static i386
 * program that runs unmodified under XenoLinux and natively on the host, so the two can be put
 * side by side. Each test prints
 *   LMB-START <name>
 *   LMB <name> us=<microseconds per op> ops=<n>
 * Usage: lmbench-lite [ops]   (default 2000; fork/exec use ops/20) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double t0;
static void start(const char *name) { printf("LMB-START %s\n", name); t0 = now_us(); }
static void report(const char *name, int n) { printf("LMB %s us=%.3f ops=%d\n", name, (now_us() - t0) / n, n); }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    int slow = n / 20 > 0 ? n / 20 : 1;

    start("null-call");
    for (int i = 0; i < n; i++) getppid();
    report("null-call", n);

    start("null-io"); /* lmbench's "null I/O": a 1-byte write to /dev/null */
    int dn = open("/dev/null", O_WRONLY);
    char c = 0;
    for (int i = 0; i < n; i++) {
        if (write(dn, &c, 1) != 1) { printf("LMB-ERROR null-io\n"); break; }
    }
    report("null-io", n);
    close(dn);

    start("page-fault");
    long page = sysconf(_SC_PAGESIZE);
    char *region = mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) { printf("LMB-ERROR mmap\n"); return 1; }
    for (int i = 0; i < n; i++) region[(long)i * page] = 1;
    report("page-fault", n);
    munmap(region, (size_t)n * page);

    start("fork-exit");
    for (int i = 0; i < slow; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p < 0) { printf("LMB-ERROR fork\n"); return 1; }
        waitpid(p, NULL, 0);
    }
    report("fork-exit", slow);

    start("fork-exec");
    for (int i = 0; i < slow; i++) {
        pid_t p = fork();
        if (p == 0) {
            char *args[] = { "true", NULL };
            execv("/bin/true", args);
            _exit(127);
        }
        if (p < 0) { printf("LMB-ERROR fork\n"); return 1; }
        waitpid(p, NULL, 0);
    }
    report("fork-exec", slow);

    start("ctx-switch"); /* two processes passing a byte through two pipes: one switch each way */
    int ab[2], ba[2];
    if (pipe(ab) || pipe(ba)) { printf("LMB-ERROR pipe\n"); return 1; }
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < n; i++) {
            if (read(ab[0], &c, 1) != 1) break;
            if (write(ba[1], &c, 1) != 1) break;
        }
        _exit(0);
    }
    for (int i = 0; i < n; i++) {
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) { printf("LMB-ERROR pipe io\n"); break; }
    }
    waitpid(p, NULL, 0);
    report("ctx-switch", 2 * n);
    printf("LMB-DONE\n");
    return 0;
}
