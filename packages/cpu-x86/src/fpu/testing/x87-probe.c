/*
 * Host x87 oracle for the float80 tests.
 *
 * Reads lines "OP CW A B" from stdin (OP decimal, CW 4 hex digits, A and B
 * 20 hex digits = 10 bytes each, byte 0 first), runs one x87 instruction on
 * the real FPU and prints "R1 R2 SW" (R1/R2 20 hex digits, SW 4 hex digits).
 *
 * Register results: R1 = ST(0), R2 = ST(1) after the instruction. A 0.0
 * sentinel is pushed first so ST(1) always exists. Memory results: R1 holds
 * the stored bytes, pre-filled with 0xA5 so "nothing stored" is visible.
 * SW is read with FNSTSW right after the instruction, then FNCLEX clears
 * ES so that unmasked exceptions never trap.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint8_t b[16]; } buf_t;

#define IN_A [a] "m"(*(const buf_t *)a)
#define IN_B [b] "m"(*(const buf_t *)b)
#define IN_CW [cw] "m"(cw)
#define OUTS [r1] "+m"(*(buf_t *)r1), [r2] "+m"(*(buf_t *)r2), [sw] "=m"(*sw)

#define ARGS const uint8_t *a, const uint8_t *b, uint8_t *r1, uint8_t *r2, uint16_t cw, uint16_t *sw

/* ST(0)=A, ST(1)=B, ST(2)=0; INSN; read SW; store ST(0), ST(1). */
#define REG2(name, insn)                                                          \
  static void name(ARGS) {                                                        \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldz\n\tfldt %[b]\n\tfldt %[a]\n\t" \
                     insn "\n\tfnstsw %[sw]\n\tfnclex\n\t"                        \
                     "fstpt %[r1]\n\tfstpt %[r2]\n\tfninit"                       \
                     : OUTS : IN_A, IN_B, IN_CW : "memory");                      \
  }

/* ST(0)=A, ST(1)=0; INSN; read SW; store ST(0), ST(1). */
#define REG1(name, insn)                                                          \
  static void name(ARGS) {                                                        \
    (void)b;                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldz\n\tfldt %[a]\n\t"              \
                     insn "\n\tfnstsw %[sw]\n\tfnclex\n\t"                        \
                     "fstpt %[r1]\n\tfstpt %[r2]\n\tfninit"                       \
                     : OUTS : IN_A, IN_CW : "memory");                            \
  }

/* ST(0)=0; INSN (a load, may reference %[a]); read SW; store ST(0), ST(1). */
#define LOAD(name, insn)                                                          \
  static void name(ARGS) {                                                        \
    (void)b;                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldz\n\tfldz\n\t"                   \
                     insn "\n\tfnstsw %[sw]\n\tfnclex\n\t"                        \
                     "fstpt %[r1]\n\tfstpt %[r2]\n\tfninit"                       \
                     : OUTS : IN_A, IN_CW : "memory");                            \
  }

/* ST(0)=A; INSN stores to %[r1] (pre-filled with 0xA5); read SW. */
#define STORE(name, insn)                                                         \
  static void name(ARGS) {                                                        \
    (void)b;                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldz\n\tfldt %[a]\n\t"              \
                     insn "\n\tfnstsw %[sw]\n\tfnclex\n\tfninit"                  \
                     : OUTS : IN_A, IN_CW : "memory");                            \
  }

/* ST(0)=A, ST(1)=0; INSN with memory operand %[b]; store ST(0), ST(1). */
#define MEM(name, insn)                                                           \
  static void name(ARGS) {                                                        \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldz\n\tfldt %[a]\n\t"              \
                     insn "\n\tfnstsw %[sw]\n\tfnclex\n\t"                        \
                     "fstpt %[r1]\n\tfstpt %[r2]\n\tfninit"                       \
                     : OUTS : IN_A, IN_B, IN_CW : "memory");                      \
  }

/* AT&T "op %st(1), %st" means ST(0) := ST(0) op ST(1). */
REG2(op_fadd, "fadd %%st(1), %%st")
REG2(op_fsub, "fsub %%st(1), %%st")
REG2(op_fmul, "fmul %%st(1), %%st")
REG2(op_fdiv, "fdiv %%st(1), %%st")
REG1(op_fsqrt, "fsqrt")
REG2(op_fcom, "fcom %%st(1)")
REG2(op_fucom, "fucom %%st(1)")
REG2(op_fprem, "fprem")
REG2(op_fprem1, "fprem1")
REG1(op_frndint, "frndint")
REG2(op_fscale, "fscale")
REG1(op_fxtract, "fxtract")
REG1(op_fxam, "fxam")
REG1(op_ftst, "ftst")
REG1(op_fabs, "fabs")
REG1(op_fchs, "fchs")
REG1(op_f2xm1, "f2xm1")
REG2(op_fyl2x, "fyl2x")
REG2(op_fyl2xp1, "fyl2xp1")
REG1(op_fptan, "fptan")
REG2(op_fpatan, "fpatan")
REG1(op_fsin, "fsin")
REG1(op_fcos, "fcos")
REG1(op_fsincos, "fsincos")
LOAD(op_fld1, "fld1")
LOAD(op_fldl2t, "fldl2t")
LOAD(op_fldl2e, "fldl2e")
LOAD(op_fldpi, "fldpi")
LOAD(op_fldlg2, "fldlg2")
LOAD(op_fldln2, "fldln2")
LOAD(op_fldz, "fldz")
LOAD(op_flds, "flds %[a]")
LOAD(op_fldl, "fldl %[a]")
LOAD(op_fldt, "fldt %[a]")
LOAD(op_filds, "filds %[a]")
LOAD(op_fildl, "fildl %[a]")
LOAD(op_fildll, "fildll %[a]")
LOAD(op_fbld, "fbld %[a]")
STORE(op_fsts, "fsts %[r1]")
STORE(op_fstl, "fstl %[r1]")
STORE(op_fstt, "fstpt %[r1]")
STORE(op_fists, "fists %[r1]")
STORE(op_fistl, "fistl %[r1]")
STORE(op_fistpll, "fistpll %[r1]")
STORE(op_fbstp, "fbstp %[r1]")

MEM(op_fadds, "fadds %[b]")
MEM(op_faddl, "faddl %[b]")
MEM(op_fsubs, "fsubs %[b]")
MEM(op_fsubrl, "fsubrl %[b]")
MEM(op_fmuls, "fmuls %[b]")
MEM(op_fmull, "fmull %[b]")
MEM(op_fdivs, "fdivs %[b]")
MEM(op_fdivrl, "fdivrl %[b]")
MEM(op_fcoms, "fcoms %[b]")
MEM(op_fcoml, "fcoml %[b]")

typedef void (*op_fn)(ARGS);

/* Keep in sync with HostOp in x87-host.ts. */
static const op_fn ops[] = {
    op_fadd, op_fsub, op_fmul, op_fdiv, op_fsqrt, op_fcom, op_fucom,          /* 0-6 */
    op_fprem, op_fprem1, op_frndint, op_fscale, op_fxtract, op_fxam, op_ftst, /* 7-13 */
    op_fabs, op_fchs, op_f2xm1, op_fyl2x, op_fyl2xp1, op_fptan, op_fpatan,    /* 14-20 */
    op_fsin, op_fcos, op_fsincos, op_fld1, op_fldl2t, op_fldl2e, op_fldpi,    /* 21-27 */
    op_fldlg2, op_fldln2, op_fldz, op_flds, op_fldl, op_fldt, op_filds,       /* 28-34 */
    op_fildl, op_fildll, op_fbld, op_fsts, op_fstl, op_fstt, op_fists,        /* 35-41 */
    op_fistl, op_fistpll, op_fbstp, op_fadds, op_faddl, op_fsubs, op_fsubrl,  /* 42-48 */
    op_fmuls, op_fmull, op_fdivs, op_fdivrl, op_fcoms, op_fcoml,              /* 49-54 */
};

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void parse_bytes(const char *s, uint8_t *out) {
  for (int i = 0; i < 10; i++) out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

static void put_bytes(char *d, const uint8_t *v) {
  static const char hx[] = "0123456789abcdef";
  for (int i = 0; i < 10; i++) {
    d[2 * i] = hx[v[i] >> 4];
    d[2 * i + 1] = hx[v[i] & 15];
  }
}

int main(void) {
  static char line[256];
  static char out[64];
  const int nops = (int)(sizeof ops / sizeof ops[0]);
  while (fgets(line, sizeof line, stdin)) {
    int op = 0, cw = 0;
    char as[32], bs[32];
    if (sscanf(line, "%d %x %20s %20s", &op, &cw, as, bs) != 4 || op < 0 || op >= nops) {
      fprintf(stderr, "bad line: %s", line);
      return 2;
    }
    uint8_t a[16] = {0}, b[16] = {0}, r1[16], r2[16];
    uint16_t sw = 0;
    parse_bytes(as, a);
    parse_bytes(bs, b);
    memset(r1, 0xa5, sizeof r1);
    memset(r2, 0xa5, sizeof r2);
    ops[op](a, b, r1, r2, (uint16_t)cw, &sw);
    put_bytes(out, r1);
    out[20] = ' ';
    put_bytes(out + 21, r2);
    sprintf(out + 41, " %04x\n", sw);
    fputs(out, stdout);
  }
  return 0;
}
