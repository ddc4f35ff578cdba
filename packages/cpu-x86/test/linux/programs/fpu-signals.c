/* x87 state across signals and fork: a handler starts with the default FPU
 * environment and the interrupted code gets its own back (Linux saves and
 * restores it in the signal frame); a forked child does not disturb the parent. */
#include <fenv.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile double in_handler;
static volatile int round_in_handler;

static void on_usr1(int sig) {
  (void)sig;
  round_in_handler = fegetround();
  fesetround(FE_UPWARD);
  in_handler = 2.0 / 3.0;
}

int main(void) {
  volatile double third = 1.0;
  signal(SIGUSR1, on_usr1);
  fesetround(FE_TOWARDZERO);
  raise(SIGUSR1);
  printf("handler saw rounding %d, computed %.17g\n", round_in_handler == FE_TONEAREST, in_handler);
  printf("after the handler: toward zero %d, 1/3 = %.17g\n", fegetround() == FE_TOWARDZERO, third / 3.0);
  pid_t pid = fork();
  if (pid == 0) {
    fesetround(FE_DOWNWARD);
    printf("child: %.17g\n", sqrt(2.0));
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("parent after fork: toward zero %d, sqrt(3) = %.17g\n", fegetround() == FE_TOWARDZERO, sqrt(3.0));
  return 0;
}
