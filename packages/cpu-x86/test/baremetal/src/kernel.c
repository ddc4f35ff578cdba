/*
 * The test driver: builds the GDT, IDT and TSSs, then runs each test under
 * guarded_call() (trap.asm) and prints one line per result on the log port.
 *
 * Line format: "<id> <what>: <result>" where <result> is "none" (no
 * exception) or "vec=XX [err=XXXX] [eip=at[+N|-N]|eip=cr2] [cr2=XXXXXXXX]
 * [dr6=XXXX] [cpl=3]". "at" is the instruction under test (the *_at label in
 * tests.asm): a fault reports eip=at, a trap eip=at+length. Only values that
 * the architecture defines are printed, so that real hardware, QEMU, Bochs
 * and cpu-x86 can be compared line by line (README.md).
 */
#include "defs.h"

#define DECL(n) extern void n(uint32_t); extern char n##_at[];
DECL(t_de) DECL(t_de_ovf) DECL(t_db_tf) DECL(t_db_icebp) DECL(t_db_dr0) DECL(t_db_dr1w)
DECL(t_int2) DECL(t_bp) DECL(t_bp_cd) DECL(t_of) DECL(t_of_no) DECL(t_br) DECL(t_br_ok)
DECL(t_ud2) DECL(t_ud_lock) DECL(t_ud_movcs) DECL(t_nm_ts) DECL(t_nm_em) DECL(t_nm_wait)
DECL(t_nm_wait_nomp) DECL(t_mf) DECL(t_df) DECL(t_ts_jmp) DECL(t_ts_iret) DECL(t_np_ds)
DECL(t_np_gate) DECL(t_ss_np) DECL(t_ss_lim) DECL(t_gp_gdtlim) DECL(t_gp_ssnull) DECL(t_gp_sys)
DECL(t_gp_xonly) DECL(t_gp_ro) DECL(t_gp_lim) DECL(t_gp_lim_x) DECL(t_ok_lim) DECL(t_gp_expdown)
DECL(t_ok_expdown) DECL(t_gp_ltr_busy) DECL(t_gp_lldt_data) DECL(t_gp_idtlim) DECL(t_gp_cswrite) DECL(t_gp_farjmp_lim)
DECL(t_task_call) DECL(t_read32) DECL(t_write32) DECL(t_call)
DECL(u_snapshot) DECL(u_callgate) DECL(u_conf) DECL(u_dsnull) DECL(u_hlt) DECL(u_cli)
DECL(u_movcr0) DECL(u_int81) DECL(u_int3) DECL(u_io_e9) DECL(u_io_80) DECL(u_io_wide)
DECL(u_read) DECL(u_write) DECL(u_call)

extern struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr_small;
extern uint32_t scratch[16];
extern uint32_t t2_tr, t2_eflags, t2_link;

volatile struct exc_info g_exc;
volatile uint32_t g_sys[8];
volatile uint32_t g_armed, g_guard_result;

/* --- descriptor tables ------------------------------------------------------------ */

struct tss32 {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t esp1;
    uint16_t ss1, r2;
    uint32_t esp2;
    uint16_t ss2, r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10, trap, iomap;
} __attribute__((packed));

struct tss_with_iomap {
    struct tss32 t;
    uint8_t iomap[8192 + 1];
} __attribute__((packed));

static uint64_t gdt[GDT_COUNT] __attribute__((aligned(8)));
static uint64_t idt[256] __attribute__((aligned(8)));
static struct tss_with_iomap tss1_block __attribute__((aligned(128)));
struct tss32 tss2 __attribute__((aligned(128)));
static struct tss32 tss_small_mem __attribute__((aligned(128)));

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)(access & 0xff) << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t gate_desc(uint16_t sel, uint32_t off, uint32_t access, uint32_t params)
{
    return (uint64_t)(off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)(params & 0x1f) << 32) |
           ((uint64_t)(access & 0xff) << 40) | ((uint64_t)(off >> 16) << 48);
}

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline uint32_t read_dr6(void) { uint32_t v; __asm__ volatile("mov %%dr6, %0" : "=r"(v)); return v; }
static inline void write_dr6(uint32_t v) { __asm__ volatile("mov %0, %%dr6" : : "r"(v)); }
static inline uint32_t read_eflags(void) { uint32_t v; __asm__ volatile("pushfl; popl %0" : "=r"(v)); return v; }
static inline void invlpg(uint32_t a) { __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory"); }
static inline uint16_t read_cs(void) { uint16_t v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }

static void lgdt_and_reload(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) r = { sizeof gdt - 1, (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%eax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %%ax, %%gs\n\t"
                     "mov %%ax, %%ss\n\t"
                     : : "m"(r), "i"(KCODE), "i"(KDATA) : "eax", "memory");
}

static void lidt_full(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) r = { sizeof idt - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(r));
}

#define GDT_IDX(sel) ((sel) >> 3)
#define TSS1_LIMIT (sizeof(struct tss32) + 8192)

static void setup_tables(void)
{
    gdt[0] = 0;
    gdt[GDT_IDX(KCODE)] = seg_desc(0, 0xfffff, 0x9b, 0xc);
    gdt[GDT_IDX(KDATA)] = seg_desc(0, 0xfffff, 0x93, 0xc);
    gdt[GDT_IDX(UCODE)] = seg_desc(0, 0xfffff, 0xfa, 0xc);
    gdt[GDT_IDX(UDATA)] = seg_desc(0, 0xfffff, 0xf2, 0xc);
    gdt[GDT_IDX(TSS1)] = seg_desc((uint32_t)&tss1_block, TSS1_LIMIT, 0x89, 0);
    gdt[GDT_IDX(TSS2)] = seg_desc((uint32_t)&tss2, sizeof(struct tss32) - 1, 0x89, 0);
    gdt[GDT_IDX(TSS_SMALL)] = seg_desc((uint32_t)&tss_small_mem, 0x50, 0x89, 0);
    gdt[GDT_IDX(CODE16)] = seg_desc(0xf0000, 0xffff, 0x9b, 0);
    gdt[GDT_IDX(DATA16)] = seg_desc(0xf0000, 0xffff, 0x93, 0);
    gdt[GDT_IDX(CALLGATE)] = gate_desc(KCODE, (uint32_t)cg_target, 0xec, 2); /* 32-bit call gate, DPL 3 */
    gdt[GDT_IDX(CONFCODE)] = seg_desc(0, 0xfffff, 0x9e, 0xc);                /* conforming, DPL 0 */
    gdt[GDT_IDX(NP_DATA)] = seg_desc(0, 0xfffff, 0x12, 0xc);                 /* not present */
    gdt[GDT_IDX(RO_DATA)] = seg_desc(0, 0xfffff, 0x90, 0xc);                 /* read-only */
    gdt[GDT_IDX(SMALL_DATA)] = seg_desc(0, 0xfff, 0x92, 0x4);                /* limit 0xFFF */
    gdt[GDT_IDX(EXPDOWN)] = seg_desc(0, 0xfff, 0x96, 0x4);                   /* expand-down */
    gdt[GDT_IDX(XONLY)] = seg_desc(0, 0xfffff, 0x98, 0xc);                   /* execute-only */
    gdt[GDT_IDX(SS_SMALL)] = seg_desc(0, (uint32_t)kstack_top >> 12, 0x92, 0xc);
    gdt[GDT_IDX(NP_STACK)] = seg_desc(0, 0xfffff, 0x12, 0xc);
    gdt[GDT_IDX(LIM_CODE)] = seg_desc(0, 0xff, 0x9a, 0x4);
    gdt[GDT_IDX(UDATA2)] = seg_desc(0, 0xfffff, 0xf2, 0xc);
    lgdt_and_reload();

    for (int v = 0; v < 256; v++) idt[v] = gate_desc(KCODE, trap_stubs[v], 0x8e, 0);
    idt[3] = gate_desc(KCODE, trap_stubs[3], 0xee, 0);     /* INT3 from ring 3 */
    idt[4] = gate_desc(KCODE, trap_stubs[4], 0xee, 0);     /* INTO from ring 3 */
    idt[0x80] = gate_desc(KCODE, trap_stubs[0x80], 0xee, 0);
    idt[0x40] = gate_desc(KCODE, trap_stubs[0x40], 0x0e, 0); /* not present */
    lidt_full();
    idtr_small.base = (uint32_t)idt;

    memset(&tss1_block, 0, sizeof tss1_block);
    tss1_block.t.esp0 = (uint32_t)trap_stack_top;
    tss1_block.t.ss0 = KDATA;
    tss1_block.t.iomap = sizeof(struct tss32);
    memset(tss1_block.iomap, 0xff, sizeof tss1_block.iomap);
    tss1_block.iomap[LOG_PORT / 8] &= (uint8_t)~(1u << (LOG_PORT % 8)); /* ring 3 may write 0xE9 */
    __asm__ volatile("ltr %w0" : : "r"(TSS1));

    memset(&tss2, 0, sizeof tss2);
    tss2.eip = (uint32_t)task2_entry;
    tss2.eflags = 2;
    tss2.esp = (uint32_t)task2_stack_top;
    tss2.cs = KCODE;
    tss2.ss = tss2.ds = tss2.es = tss2.fs = tss2.gs = KDATA;
    tss2.iomap = sizeof(struct tss32);
}

/* --- traps --------------------------------------------------------------------------- */

static void finish(int ok);

int trap_dispatch(struct frame *f)
{
    if (f->vector == 0x80) {
        switch (f->eax) {
        case 0: /* leave ring 3: back to guarded_call's caller */
            g_guard_result = (uint32_t)NONE;
            return 1;
        case 1:
            kputc((char)f->ebx);
            return 0;
        case 2:
            g_sys[0] = f->cs & 0xffff;
            g_sys[1] = f->ss & 0xffff;
            g_sys[2] = f->esp;
            g_sys[3] = f->eflags;
            g_sys[4] = f->ebx;
            g_sys[5] = f->ecx;
            g_sys[6] = (uint32_t)&f->eip;
            return 0;
        }
    }
    g_exc.vector = f->vector;
    g_exc.error = f->error;
    g_exc.eip = f->eip;
    g_exc.cs = f->cs & 0xffff;
    g_exc.eflags = f->eflags;
    g_exc.esp = (f->cs & 3) == 3 ? f->esp : 0;
    g_exc.ss = (f->cs & 3) == 3 ? f->ss & 0xffff : 0;
    g_exc.cr2 = f->cr2;
    g_exc.dr6 = read_dr6();
    g_exc.frame = (uint32_t)&f->eip;
    if (g_armed) {
        g_guard_result = f->vector;
        return 1;
    }
    kprintf("UNEXPECTED exception: vec=%02x err=%x eip=%08x cs=%04x cr2=%08x\n", f->vector, f->error, f->eip,
            f->cs & 0xffff, f->cr2);
    finish(0);
    return 0;
}

/* --- reporting --------------------------------------------------------------------------- */

#define AT_CR2 ((const void *)1)

static int has_error_code(uint32_t v) { return v == 8 || (v >= 10 && v <= 14) || v == 17; }

static void report_tail(int r, const void *at)
{
    if (r == NONE) {
        kputs("none\n");
        return;
    }
    kprintf("vec=%02x", (uint32_t)r);
    if (has_error_code((uint32_t)r)) kprintf(" err=%04x", g_exc.error);
    if (at == AT_CR2) {
        if (g_exc.eip == g_exc.cr2) kputs(" eip=cr2");
        else kprintf(" eip=%08x", g_exc.eip);
    } else if (at != 0) {
        int32_t d = (int32_t)(g_exc.eip - (uint32_t)at);
        kputs(" eip=at");
        if (d > 0) kprintf("+%x", (uint32_t)d);
        if (d < 0) kprintf("-%x", (uint32_t)-d);
    }
    if (r == 14) kprintf(" cr2=%08x", g_exc.cr2);
    if (r == 1) kprintf(" dr6=%04x", g_exc.dr6 & 0xe00f);
    if ((g_exc.cs & 3) == 3) kputs(" cpl=3");
    kputs("\n");
}

static void report(const char *name, int r, const void *at)
{
    kprintf("%s: ", name);
    report_tail(r, at);
}

#define RUN(name, fn, arg) report(name, guarded_call(fn, arg), fn##_at)

static void finish(int ok)
{
    kputs("=== END ===\n");
    outb(EXIT_PORT, ok ? 0x10 : 0x11); /* QEMU isa-debug-exit: status 0x21 / 0x23 */
    bochs_shutdown();                   /* Bochs: "Shutdown" to port 0x8900 */
    for (;;) __asm__ volatile("cli; hlt");
}

/* --- ring 3 ------------------------------------------------------------------------------ */

#define EFL_IOPL3 0x3000
#define EFL_AC 0x40000

static struct user_entry uentry;

static int user_call(void (*fn)(uint32_t), uint32_t ebx, uint32_t eflags, uint32_t ds)
{
    uentry.eip = (uint32_t)fn;
    uentry.eflags = 0x2 | eflags;
    uentry.ds = ds;
    uentry.esp = (uint32_t)user_stack_top;
    uentry.cs = UCODE | 3;
    uentry.ss = UDATA | 3;
    uentry.ebx = ebx;
    return guarded_call(enter_user, (uint32_t)&uentry);
}

#define URUN(name, fn, arg, eflags) report(name, user_call(fn, arg, eflags, UDATA | 3), fn##_at)

static void print_rel(const char *label, uint32_t v, uint32_t base, const char *basename)
{
    int32_t d = (int32_t)(v - base);
    kprintf(" %s=%s", label, basename);
    if (d > 0) kprintf("+%x", (uint32_t)d);
    if (d < 0) kprintf("-%x", (uint32_t)-d);
}

static void ring3_tests(void)
{
    kputs("== ring 3\n");
    int r = user_call(u_snapshot, 0, 0, UDATA | 3);
    kprintf("r3.int80 iret-in/int-out: %s user-cs=%04x frame-cs=%04x ss=%04x", r == NONE ? "ok" : "FAULT", g_sys[4] & 0xffff,
            g_sys[0], g_sys[1]);
    print_rel("esp", g_sys[2], (uint32_t)user_stack_top, "top");
    print_rel("frame", g_sys[6], (uint32_t)trap_stack_top, "esp0");
    kprintf(" eflags=%08x\n", g_sys[3]);

    r = user_call(u_callgate, 0, 0, UDATA | 3);
    kprintf("r3.callgate in: %s", r == NONE ? "ok" : "FAULT");
    print_rel("ret", cg_seen[0], (uint32_t)u_callgate_at, "at");
    kprintf(" cs=%04x params=%08x,%08x", cg_seen[1] & 0xffff, cg_seen[2], cg_seen[3]);
    print_rel("esp", cg_seen[4], (uint32_t)user_stack_top, "top");
    kprintf(" ss=%04x", cg_seen[5] & 0xffff);
    print_rel("kesp", cg_esp, (uint32_t)trap_stack_top, "esp0");
    kprintf(" kcs=%04x\n", cg_cs & 0xffff);
    kprintf("r3.callgate back: cs=%04x", g_sys[4] & 0xffff);
    print_rel("esp", g_sys[2], (uint32_t)user_stack_top, "top");
    kputs("\n");

    r = user_call(u_conf, 0, 0, UDATA | 3);
    kprintf("r3.conforming: %s cs-inside=%04x\n", r == NONE ? "ok" : "FAULT", g_sys[4] & 0xffff);

    r = user_call(u_dsnull, 0, 0, KDATA);
    kprintf("r3.ds-null after iret: ds=%04x es=%04x\n", g_sys[4] & 0xffff, g_sys[5] & 0xffff);
    report("r3.ds-null access", r, u_dsnull_at);

    URUN("r3.hlt", u_hlt, 0, 0);
    URUN("r3.cli iopl0", u_cli, 0, 0);
    URUN("r3.cli iopl3", u_cli, 0, EFL_IOPL3);
    URUN("r3.mov-from-cr0", u_movcr0, 0, 0);
    URUN("r3.int81 gate-dpl0", u_int81, 0, 0);
    URUN("r3.int3 gate-dpl3", u_int3, 0, 0);
    kputs("r3.io-e9 bitmap-allows: out=");
    r = user_call(u_io_e9, 0, 0, UDATA | 3);
    kputs(" ");
    report_tail(r, u_io_e9_at);
    URUN("r3.io-80 bitmap-denies", u_io_80, 0, 0);
    URUN("r3.io-e8-word half-denied", u_io_wide, 0, 0);
    URUN("r3.io-80 iopl3", u_io_80, 0, EFL_IOPL3);

    uint32_t cr0 = read_cr0();
    write_cr0(cr0 | (1u << 18)); /* AM */
    URUN("r3.ac misaligned-read", u_read, (uint32_t)scratch + 1, EFL_AC);
    URUN("r3.ac aligned-read", u_read, (uint32_t)scratch + 4, EFL_AC);
    write_cr0(cr0);
    URUN("r3.ac am-off", u_read, (uint32_t)scratch + 1, EFL_AC);
}

/* --- segments ------------------------------------------------------------------------------ */

static uint32_t lar(uint32_t sel, int *zf)
{
    uint32_t v = 0;
    uint8_t z;
    __asm__ volatile("lar %2, %0; setz %1" : "+r"(v), "=q"(z) : "r"(sel));
    *zf = z;
    return v;
}

static uint32_t lsl(uint32_t sel, int *zf)
{
    uint32_t v = 0;
    uint8_t z;
    __asm__ volatile("lsl %2, %0; setz %1" : "+r"(v), "=q"(z) : "r"(sel));
    *zf = z;
    return v;
}

static int verr(uint32_t sel)
{
    uint8_t z;
    __asm__ volatile("verr %w1; setz %0" : "=q"(z) : "r"(sel));
    return z;
}

static int verw(uint32_t sel)
{
    uint8_t z;
    __asm__ volatile("verw %w1; setz %0" : "=q"(z) : "r"(sel));
    return z;
}

static void segment_tests(void)
{
    kputs("== segments\n");
    RUN("seg.np load-ds", t_np_ds, 0);
    RUN("seg.np load-ss", t_ss_np, 0);
    RUN("seg.gp load-ds beyond-gdt", t_gp_gdtlim, 0);
    RUN("seg.gp load-ss null", t_gp_ssnull, 0);
    RUN("seg.gp load-ds tss", t_gp_sys, 0);
    RUN("seg.gp load-ds exec-only", t_gp_xonly, 0);
    RUN("seg.gp write read-only", t_gp_ro, 0);
    RUN("seg.gp read past-limit", t_gp_lim, 0);
    RUN("seg.gp read straddles-limit", t_gp_lim_x, 0);
    RUN("seg.ok read at-limit", t_ok_lim, 0);
    RUN("seg.gp expand-down below", t_gp_expdown, 0);
    RUN("seg.ok expand-down above", t_ok_expdown, 0);
    RUN("seg.ss read past-ss-limit", t_ss_lim, 0);
    RUN("seg.gp write via-cs", t_gp_cswrite, 0);
    RUN("seg.gp far-jmp past-limit", t_gp_farjmp_lim, 0);

    uint32_t before = (uint32_t)(gdt[GDT_IDX(UDATA2)] >> 40) & 1;
    __asm__ volatile("mov %0, %%fs; mov %1, %%fs" : : "r"(UDATA2), "r"(KDATA) : "memory");
    uint32_t after = (uint32_t)(gdt[GDT_IDX(UDATA2)] >> 40) & 1;
    kprintf("seg.accessed-bit load-fs: before=%u after=%u\n", before, after);

    static const struct { const char *name; uint32_t sel; } sels[] = {
        { "kcode", KCODE }, { "udata", UDATA | 3 }, { "tss1-busy", TSS1 }, { "callgate", CALLGATE },
        { "np-data", NP_DATA }, { "null", 0 }, { "beyond-gdt", 0xfff8 },
    };
    for (unsigned i = 0; i < sizeof sels / sizeof sels[0]; i++) {
        int zf;
        uint32_t v = lar(sels[i].sel, &zf);
        kprintf("seg.lar %s: zf=%d", sels[i].name, zf);
        /* Bits 8-15 are the access byte; bits 20-23 are G/DB/L/AVL for a segment but offset bits for a gate. */
        if (zf) kprintf(" ar=%08x", v & ((v & 0x1000) ? 0x00f0ff00 : 0x0000ff00));
        kputs("\n");
    }
    static const struct { const char *name; uint32_t sel; } lsels[] = {
        { "kdata", KDATA }, { "small", SMALL_DATA }, { "tss1", TSS1 }, { "callgate", CALLGATE },
    };
    for (unsigned i = 0; i < sizeof lsels / sizeof lsels[0]; i++) {
        int zf;
        uint32_t v = lsl(lsels[i].sel, &zf);
        kprintf("seg.lsl %s: zf=%d", lsels[i].name, zf);
        if (zf) kprintf(" limit=%08x", v);
        kputs("\n");
    }
    kprintf("seg.verr kcode=%d exec-only=%d np=%d; verw kdata=%d read-only=%d kcode=%d udata=%d\n", verr(KCODE),
            verr(XONLY), verr(NP_DATA), verw(KDATA), verw(RO_DATA), verw(KCODE), verw(UDATA | 3));
}

/* --- exceptions ------------------------------------------------------------------------------ */

extern void t_fpu_reset(uint32_t);

static void fpu_reset(void)
{
    write_cr0(read_cr0() & ~0xeu); /* MP, EM, TS clear */
    __asm__ volatile("" ::: "memory");
}

static void exception_tests(void)
{
    kputs("== exceptions\n");
    RUN("exc.00 div-by-zero", t_de, 0);
    RUN("exc.00 idiv-overflow", t_de_ovf, 0);
    write_dr6(0);
    RUN("exc.01 single-step", t_db_tf, 0);
    write_dr6(0);
    RUN("exc.01 icebp", t_db_icebp, 0);
    write_dr6(0);
    RUN("exc.01 dr0-exec", t_db_dr0, 0);
    write_dr6(0);
    RUN("exc.01 dr1-write", t_db_dr1w, 0);
    write_dr6(0);
    kputs("exc.02 nmi: not raisable by software (int 2 below is a software interrupt)\n");
    RUN("exc.02 int2", t_int2, 0);
    RUN("exc.03 int3", t_bp, 0);
    RUN("exc.03 int-3", t_bp_cd, 0);
    RUN("exc.04 into-of1", t_of, 0);
    RUN("exc.04 into-of0", t_of_no, 0);
    RUN("exc.05 bound-out", t_br, 0);
    RUN("exc.05 bound-in", t_br_ok, 0);
    RUN("exc.06 ud2", t_ud2, 0);
    RUN("exc.06 lock-reg", t_ud_lock, 0);
    RUN("exc.06 mov-cs", t_ud_movcs, 0);

    uint32_t cr0 = read_cr0();
    idt[13] &= ~(1ull << 47); /* #GP gate not present */
    report("exc.08 gp-then-np", guarded_call(t_df, 0), 0); /* the saved CS:EIP of #DF is undefined */
    idt[13] |= 1ull << 47;
    kputs("exc.09: not raised by a 486 or later\n");
    RUN("exc.0a jmp-small-tss", t_ts_jmp, 0);
    tss1_block.t.link = KDATA;
    RUN("exc.0a iret-nt-bad-link", t_ts_iret, 0);
    tss1_block.t.link = 0;
    RUN("exc.0b int-np-gate", t_np_gate, 0);
    RUN("exc.0b load-np", t_np_ds, 0);
    RUN("exc.0c load-ss-np", t_ss_np, 0);
    RUN("exc.0d ltr-busy-tss", t_gp_ltr_busy, 0);
    RUN("exc.0d lldt-data-segment", t_gp_lldt_data, 0);
    RUN("exc.0d int-beyond-idt", t_gp_idtlim, 0);
    lidt_full();
    kputs("exc.0e: see the paging sections\n");
    kputs("exc.0f: reserved\n");

    RUN("exc.07 ts-fld1", t_nm_ts, 0);
    fpu_reset();
    RUN("exc.07 em-fld1", t_nm_em, 0);
    fpu_reset();
    RUN("exc.07 ts-mp-wait", t_nm_wait, 0);
    fpu_reset();
    RUN("exc.07 ts-nomp-wait", t_nm_wait_nomp, 0);
    fpu_reset();
    write_cr0(read_cr0() | 0x20); /* NE: native x87 error reporting */
    RUN("exc.10 fdiv-by-zero-unmasked", t_mf, 0);
    fpu_reset();
    report("exc.10 fninit-after", guarded_call(t_fpu_reset, 0), 0);
    write_cr0(cr0);
    kputs("exc.11: see r3.ac (alignment checks apply at CPL 3 only)\n");
    kputs("exc.12: machine check, not raisable by software\n");
    kputs("exc.13: SIMD exception, no SSE on this CPU model\n");
}

/* --- task switch ------------------------------------------------------------------------------ */

static void task_tests(void)
{
    kputs("== task switch\n");
    int r = guarded_call(t_task_call, 0);
    kprintf("task.call: %s in-task tr=%04x nt=%u link=%04x", r == NONE ? "ok" : "FAULT", t2_tr & 0xffff,
            (t2_eflags >> 14) & 1, t2_link & 0xffff);
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    kprintf(" back: tr=%04x busy1=%x busy2=%x cr0.ts=%u", tr, (uint32_t)(gdt[GDT_IDX(TSS1)] >> 40) & 0xf,
            (uint32_t)(gdt[GDT_IDX(TSS2)] >> 40) & 0xf, (read_cr0() >> 3) & 1);
    print_rel("tss1.eip", tss1_block.t.eip, (uint32_t)t_task_call_at, "at");
    print_rel("tss2.eip", tss2.eip, (uint32_t)task2_entry, "entry");
    kputs("\n");
    __asm__ volatile("clts");
    t2_tr = t2_link = 0;
    r = guarded_call(t_task_call, 0);
    kprintf("task.call-again: %s in-task tr=%04x link=%04x\n", r == NONE ? "ok" : "FAULT", t2_tr & 0xffff,
            t2_link & 0xffff);
    __asm__ volatile("clts");
}

/* --- paging ------------------------------------------------------------------------------ */

#define PTE_P 1u
#define PTE_RW 2u
#define PTE_US 4u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define PTE_PS 0x80u
#define PTE_URW (PTE_P | PTE_RW | PTE_US)
#define CR0_PG 0x80000000u
#define CR0_WP 0x10000u
#define CR4_PSE 0x10u
#define CR4_PAE 0x20u

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt0[1024] __attribute__((aligned(4096)));

#define VP(a) (*(volatile uint32_t *)(a))

static void paging32_tests(void)
{
    kputs("== paging (32-bit, 4 KiB and 4 MiB pages)\n");
    for (uint32_t i = 0; i < 1024; i++) pt0[i] = (i << 12) | PTE_URW;
    pt0[0x300] = 0;                               /* not present */
    pt0[0x301] = 0x301000 | PTE_P | PTE_RW;       /* supervisor */
    pt0[0x302] = 0x302000 | PTE_P | PTE_US;       /* user, read-only */
    pt0[0x305] = 0x500000 | PTE_URW;              /* remapped */
    pt0[0x308] = 0;                               /* not present, after a present page */
    memset(pd, 0, sizeof pd);
    pd[0] = (uint32_t)pt0 | PTE_URW;
    pd[1] = 0x400000 | PTE_URW | PTE_PS;          /* 4 MiB identity */
    pd[0x300] = 0x400000 | PTE_URW | PTE_PS;      /* 0xC0000000 -> 4 MiB */
    VP(0x400010) = 0;
    write_cr3((uint32_t)pd);
    write_cr4(read_cr4() | CR4_PSE);
    write_cr0(read_cr0() | CR0_PG);
    kprintf("pg.on: cr0.pg=%u cr4.pse=%u\n", read_cr0() >> 31, (read_cr4() >> 4) & 1);

    RUN("pg.read fresh-page", t_read32, 0x303000);
    kprintf("pg.ad after-read: pte=%02x pde=%02x\n", pt0[0x303] & 0x60, pd[0] & 0x20);
    RUN("pg.write fresh-page", t_write32, 0x303000);
    kprintf("pg.ad after-write: pte=%02x\n", pt0[0x303] & 0x60);
    RUN("pg.np read", t_read32, 0x300010);
    RUN("pg.np write", t_write32, 0x300020);
    RUN("pg.np-pde read", t_read32, 0x800000);
    RUN("pg.ro supervisor-write wp0", t_write32, 0x302000);
    write_cr0(read_cr0() | CR0_WP);
    RUN("pg.ro supervisor-write wp1", t_write32, 0x302004);
    write_cr0(read_cr0() & ~CR0_WP);
    URUN("pg.user read-supervisor", u_read, 0x301000, 0);
    URUN("pg.user write-read-only", u_write, 0x302008, 0);
    report("pg.user exec-supervisor", user_call(u_call, 0x301000, 0, UDATA | 3), AT_CR2);
    URUN("pg.user read-user", u_read, 0x303000, 0);

    RUN("pg.4m write-alias", t_write32, 0xc0000010);
    uint32_t seen = VP(0x400010); /* through the identity 4 MiB page: sets its A bit */
    __asm__ volatile("" ::: "memory");
    kprintf("pg.4m alias: identity-sees=%08x alias-pde.ad=%02x identity-pde.ad=%02x\n", seen, pd[0x300] & 0x60,
            pd[1] & 0x60);

    VP(0x500000) = 0;
    RUN("pg.4k write-remapped", t_write32, 0x305000);
    kprintf("pg.4k remap: phys-500000=%08x\n", VP(0x500000));
    VP(0x501000) = 0x11112222;
    pt0[0x305] = 0x501000 | PTE_URW;
    invlpg(0x305000);
    kprintf("pg.invlpg: new-mapping-reads=%08x\n", VP(0x305000));
    VP(0x502000) = 0x33334444;
    pt0[0x305] = 0x502000 | PTE_URW;
    write_cr3((uint32_t)pd);
    kprintf("pg.cr3-reload: new-mapping-reads=%08x\n", VP(0x305000));

    VP(0x307ffc) = 0xaaaaaaaa;
    RUN("pg.cross read-into-np", t_read32, 0x307ffe);
    RUN("pg.cross write-into-np", t_write32, 0x307ffe);
    kprintf("pg.cross no-partial-write: %08x\n", VP(0x307ffc));

    write_cr0(read_cr0() & ~CR0_PG);
    write_cr4(read_cr4() & ~CR4_PSE);
    kprintf("pg.off: cr0.pg=%u\n", read_cr0() >> 31);
}

static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pdpt_bad[4] __attribute__((aligned(32)));
static uint64_t pae_pd0[512] __attribute__((aligned(4096)));
static uint64_t pae_pd3[512] __attribute__((aligned(4096)));
static uint64_t pae_pt0[512] __attribute__((aligned(4096)));

#define NX (1ull << 63)
#define PAE_PTE(a) (*(volatile uint64_t *)&pae_pt0[((a) >> 12) & 511])

extern void t_enable_nxe(uint32_t);
extern void t_disable_nxe(uint32_t);
DECL(t_load_cr3)

static void pae_tests(void)
{
    kputs("== paging (PAE, 4 KiB and 2 MiB pages, NX)\n");
    for (uint32_t i = 0; i < 512; i++) pae_pt0[i] = (uint64_t)(i << 12) | PTE_URW;
    pae_pt0[0x1e0] = 0;                                         /* not present */
    pae_pt0[0x1e1] = 0x1e1000 | PTE_URW | NX;                   /* NX */
    pae_pt0[0x1e2] = 0x1e2000 | PTE_URW | (1ull << 50);         /* reserved bit (above MAXPHYADDR) */
    pae_pt0[0x1e3] = 0x1e3000 | PTE_URW | NX;                   /* bit 63: reserved unless EFER.NXE */
    pae_pt0[0x1e4] = 0x1e4000 | PTE_P | PTE_RW;                 /* supervisor */
    pae_pt0[0x1e5] = 0x1e5000 | PTE_P | PTE_US;                 /* user read-only */
    memset(pae_pd0, 0, sizeof pae_pd0);
    memset(pae_pd3, 0, sizeof pae_pd3);
    pae_pd0[0] = (uint32_t)pae_pt0 | PTE_URW;
    pae_pd0[1] = 0x200000 | PTE_URW | PTE_PS;
    pae_pd0[2] = 0x400000 | PTE_URW | PTE_PS;
    pae_pd0[3] = 0x600000 | PTE_URW | PTE_PS;
    pae_pd0[4] = 0x800000 | PTE_URW | PTE_PS | (1u << 13);     /* reserved bit 13 of a 2 MiB PDE */
    pae_pd3[0] = 0x400000 | PTE_URW | PTE_PS;                   /* 0xC0000000 -> 4 MiB */
    pdpt[0] = (uint32_t)pae_pd0 | PTE_P;
    pdpt[1] = pdpt[2] = 0;
    pdpt[3] = (uint32_t)pae_pd3 | PTE_P;
    *(volatile uint8_t *)0x1e1000 = 0xc3;                       /* RET */

    write_cr4(read_cr4() | CR4_PAE);
    write_cr3((uint32_t)pdpt);
    write_cr0(read_cr0() | CR0_PG);
    kprintf("pae.on: cr0.pg=%u cr4.pae=%u\n", read_cr0() >> 31, (read_cr4() >> 5) & 1);

    VP(0x400020) = 0;
    RUN("pae.2m write-alias", t_write32, 0xc0000020);
    kprintf("pae.2m alias: identity-sees=%08x pde.ad=%02x\n", VP(0x400020), (uint32_t)pae_pd3[0] & 0x60);
    RUN("pae.read fresh-page", t_read32, 0x1e6000);
    RUN("pae.write fresh-page", t_write32, 0x1e6000);
    kprintf("pae.ad: pte=%02x\n", (uint32_t)PAE_PTE(0x1e6000) & 0x60);
    RUN("pae.np read", t_read32, 0x1e0008);
    RUN("pae.np-pdpte read", t_read32, 0x40000000);
    RUN("pae.rsvd bit63-without-nxe", t_read32, 0x1e3000);
    RUN("pae.rsvd bit50", t_read32, 0x1e2000);
    RUN("pae.rsvd 2m-pde-bit13", t_read32, 0x800000);
    URUN("pae.user read-supervisor", u_read, 0x1e4000, 0);
    URUN("pae.user write-read-only", u_write, 0x1e5004, 0);
    URUN("pae.user read-user", u_read, 0x1e5000, 0);

    pdpt_bad[0] = pdpt[0] | PTE_RW; /* RW is reserved in a PAE PDPTE */
    pdpt_bad[1] = pdpt_bad[2] = 0;
    pdpt_bad[3] = pdpt[3];
    RUN("pae.pdpte-rsvd mov-cr3", t_load_cr3, (uint32_t)pdpt_bad);
    write_cr3((uint32_t)pdpt);

    int r = guarded_call(t_enable_nxe, 0);
    report("pae.nxe wrmsr-efer", r, 0);
    if (r == NONE) {
        report("pae.nx fetch", guarded_call(t_call, 0x1e1000), AT_CR2);
        RUN("pae.nx read", t_read32, 0x1e1000);
        report("pae.nx user-fetch", user_call(u_call, 0x1e1000, 0, UDATA | 3), AT_CR2);
        report("pae.np fetch", guarded_call(t_call, 0x1e0000), AT_CR2);
        RUN("pae.bit63-with-nxe read", t_read32, 0x1e3000);
        PAE_PTE(0x1e1000) = 0x1e1000 | PTE_URW;
        invlpg(0x1e1000);
        report("pae.nx-cleared fetch", guarded_call(t_call, 0x1e1000), 0);
        guarded_call(t_disable_nxe, 0);
    }
    write_cr0(read_cr0() & ~CR0_PG);
    write_cr4(read_cr4() & ~CR4_PAE);
    kprintf("pae.off: cr0.pg=%u\n", read_cr0() >> 31);
}

/* --- multiboot ------------------------------------------------------------------------------ */

static void multiboot_tests(uint32_t variant, uint32_t magic, uint32_t mbi)
{
    kputs("== multiboot\n");
    kprintf("mb.kernel: format=%s\n", variant == VARIANT_MB_AOUT ? "a.out-kludge" : "elf");
    kprintf("mb.magic: %08x\n", magic);
    uint32_t eflags = read_eflags();
    kprintf("mb.state: cr0.pg=%u cr0.pe=%u eflags.if=%u eflags.vm=%u cs.rpl=%u\n", read_cr0() >> 31, read_cr0() & 1,
            (eflags >> 9) & 1, (eflags >> 17) & 1, read_cs() & 3);
    const uint32_t *mb = (const uint32_t *)mbi;
    kprintf("mb.flags: %08x\n", mb[0]);
    kprintf("mb.boot-device: %08x\n", mb[3]);
    const char *cmd = (const char *)mb[4];
    while (*cmd && *cmd != ' ') cmd++; /* skip the kernel path */
    if (*cmd == ' ') cmd++;
    kprintf("mb.cmdline-args: \"%s\"\n", cmd);
    kprintf("mb.mods: count=%u\n", mb[5]);
    /* mem_lower/mem_upper come from the firmware's memory map (QEMU: SeaBIOS's e820), so
       check them against the map rather than printing them. */
    int low = 0, upper_match = 0;
    for (uint32_t p = mb[12]; p < mb[12] + mb[11];) {
        const uint32_t *e = (const uint32_t *)p;
        if (e[1] == 0 && e[2] == 0 && e[5] == 1 && e[3] >= 0x9f000 && e[3] == mb[1] * 1024) low = 1;
        if (e[1] == 0x100000 && e[2] == 0 && e[5] == 1 && e[3] >= 0xe00000 && e[3] == mb[2] * 1024) upper_match = 1;
        p += e[0] + 4;
    }
    kprintf("mb.mmap: low-available-matches-mem-lower=%d from-1mib-available-matches-mem-upper=%d\n", low,
            upper_match);
    kprintf("mb.loader-name: %s\n", (mb[0] & (1u << 9)) && *(const char *)mb[16] ? "present" : "missing");
}

/* --- main ------------------------------------------------------------------------------ */

void kmain(uint32_t variant, uint32_t magic, uint32_t mbi)
{
    if (variant != VARIANT_ROM) {
        kputs("\n=== BEGIN ===\n");
        multiboot_tests(variant, magic, mbi);
    }
    write_cr0((read_cr0() & 0x60000000u) | 0x11u); /* PE | ET, keep CD/NW */
    setup_tables();
    kputs("== 32-bit protected mode\n");
    kprintf("pm32.enter: cs=%04x cr0.pe=%u cr0.pg=%u\n", read_cs(), read_cr0() & 1, read_cr0() >> 31);
    segment_tests();
    exception_tests();
    ring3_tests();
    task_tests();
    paging32_tests();
    pae_tests();
    finish(1);
}
