/* A tour of glibc on x86-run: signals with siglongjmp, qsort, malloc/realloc (brk, mmap, mremap),
 * files and a file mapping, fork + waitpid, a pipe between processes, errno, readdir, chdir, and
 * death by SIGTERM. Built with gcc -m32 -static; its output must match the native run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <setjmp.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
static sigjmp_buf jb;
static void onsegv(int s, siginfo_t *si, void *uc) { (void)uc; printf("caught %d code %d addr %p\n", s, si->si_code, si->si_addr); siglongjmp(jb, 1); }
static int cmp(const void *a, const void *b) { return *(const int*)a - *(const int*)b; }
int main(void) {
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = onsegv; sa.sa_flags = SA_SIGINFO; sigaction(SIGSEGV, &sa, 0);
  if (!sigsetjmp(jb, 1)) { *(volatile int*)16 = 1; }
  if (!sigsetjmp(jb, 1)) { *(volatile int*)16 = 1; }
  int n = 100000; int *a = malloc(n * sizeof *a); for (int i = 0; i < n; i++) a[i] = (i * 7919) % 100003;
  qsort(a, n, sizeof *a, cmp); printf("sorted %d %d %d\n", a[0], a[n/2], a[n-1]);
  char *big = malloc(5 << 20); memset(big, 'x', 5 << 20); big = realloc(big, 9 << 20); printf("big %c\n", big[(5<<20)-1]); free(big);
  int fd = open("libc-tour.tmp", O_CREAT|O_RDWR|O_TRUNC, 0644); write(fd, "hello file\n", 11); lseek(fd, 6, SEEK_SET); char b[16] = {0}; read(fd, b, 4); printf("read '%s'\n", b);
  struct stat st; fstat(fd, &st); printf("size %lld\n", (long long)st.st_size);
  char *m = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0); printf("mmap '%.5s'\n", m); munmap(m, 4096); close(fd); unlink("libc-tour.tmp");
  pid_t p = fork(); if (p == 0) { printf("child %d\n", getppid() == getpid()); fflush(stdout); _exit(5); }
  int status; waitpid(p, &status, 0); printf("child exited %d\n", WEXITSTATUS(status));
  int pfd[2]; pipe(pfd); if (fork() == 0) { close(pfd[0]); dprintf(pfd[1], "through a pipe\n"); _exit(0); } close(pfd[1]); char pb[64] = {0}; read(pfd[0], pb, 63); printf("%s", pb); wait(NULL);
  errno = 0; if (open("/nonexistent/x", O_RDONLY) < 0) perror("open");
  DIR *d = opendir("."); int cnt = 0; struct dirent *e; while ((e = readdir(d))) cnt++; closedir(d); printf("dir entries %d\n", cnt);
  char cwd[256]; getcwd(cwd, sizeof cwd); chdir("/"); char cwd2[256]; getcwd(cwd2, sizeof cwd2); printf("cwd %s\n", cwd2);
  fflush(stdout); raise(SIGTERM);
  return 0;
}
