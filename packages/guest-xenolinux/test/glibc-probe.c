/* glibc-probe.c: an ordinary C program against Debian's i386 glibc, linked statically (and as a
 * static PIE): stdio, malloc, thread-local storage (set_thread_area), errno, files, qsort,
 * floating-point formatting, the environment, a child process and its exit status. The test
 * runs it natively and as init on XenoLinux and compares the outputs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static __thread int tls_counter = 40;

static int by_value(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(int argc, char **argv)
{
    printf("argc %d, argv[0] is %s\n", argc, strrchr(argv[0], '/') ? "a path" : "a name");
    tls_counter += 2;
    printf("thread-local: %d\n", tls_counter);
    char *heap = malloc(1 << 20);
    memset(heap, 'x', 1 << 20);
    printf("malloc 1 MiB: %s, last byte %c\n", heap ? "ok" : "failed", heap[(1 << 20) - 1]);
    free(heap);
    int v[] = { 5, 3, 9, 1, 7 };
    qsort(v, 5, sizeof v[0], by_value);
    printf("qsort: %d %d %d %d %d\n", v[0], v[1], v[2], v[3], v[4]);
    printf("floats: %.3f %g %e\n", 3.14159265, 1e-5, 12345.678);
    errno = 0;
    int fd = open("/no/such/file", O_RDONLY);
    printf("open missing: %d, errno %d (%s)\n", fd, errno, strerror(errno));
    char path[64];
    snprintf(path, sizeof path, "/tmp/glibc-probe-%d.txt", (int)getpid());
    FILE *f = fopen(path, "w");
    fprintf(f, "line %d\n", 1);
    fputs("line 2\n", f);
    fclose(f);
    struct stat st;
    stat(path, &st);
    printf("file size %ld\n", (long)st.st_size);
    f = fopen(path, "r");
    char buf[64];
    while (fgets(buf, sizeof buf, f)) printf("read: %s", buf);
    fclose(f);
    unlink(path);
    setenv("PROBE", "value", 1);
    printf("getenv: %s\n", getenv("PROBE"));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(tls_counter);
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d with its own copy of the thread-local %s\n", WEXITSTATUS(status),
           WEXITSTATUS(status) == 42 ? "(42)" : "(wrong)");
    return 0;
}
