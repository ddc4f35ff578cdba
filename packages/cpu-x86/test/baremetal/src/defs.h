/* Selectors and constants shared by the C files (keep in sync with defs.inc). */
#ifndef DEFS_H
#define DEFS_H
#include <stdint.h>

#define KCODE       0x08
#define KDATA       0x10
#define UCODE       0x18
#define UDATA       0x20
#define TSS1        0x28
#define TSS2        0x30
#define TSS_SMALL   0x38
#define CODE16      0x40
#define DATA16      0x48
#define CALLGATE    0x50
#define CONFCODE    0x58
#define NP_DATA     0x60
#define RO_DATA     0x68
#define SMALL_DATA  0x70
#define EXPDOWN     0x78
#define XONLY       0x80
#define SS_SMALL    0x88
#define NP_STACK    0x90
#define LIM_CODE    0x98
#define UDATA2      0xa0
#define GDT_COUNT   21

#define LOG_PORT    0xe9
#define EXIT_PORT   0xf4

#define VARIANT_ROM        0
#define VARIANT_MB_ELF     1
#define VARIANT_MB_AOUT    2

/* guarded_call() result when the function returned (or user code exited) normally. */
#define NONE (-1)

/* The frame trap_common builds (see trap.asm). */
struct frame {
    uint32_t cr2;
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_k, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss; /* only when the trap came from ring 3 */
};

/* What the last trap recorded. */
struct exc_info {
    uint32_t vector, error, eip, cs, eflags, esp, ss, cr2, dr6;
    uint32_t frame; /* linear address of the hardware frame (its EIP slot) */
};

/* Ring-3 entry description (trap.asm enter_user reads it in this order). */
struct user_entry {
    uint32_t eip, eflags, ds, esp, cs, ss, ebx;
};

/* trap.asm */
extern int guarded_call(void (*fn)(uint32_t), uint32_t arg);
extern void enter_user(uint32_t entry);
extern uint32_t trap_stubs[256];
extern void cg_target(void);
extern void conf_target(void);
extern void task2_entry(void);
extern uint32_t cg_seen[6], cg_esp, cg_cs;
extern void bochs_shutdown(void);
extern uint8_t kstack_top[], trap_stack_top[], user_stack_top[], task2_stack_top[];

/* kernel.c */
extern volatile struct exc_info g_exc;
extern volatile uint32_t g_sys[8];
extern volatile uint32_t g_armed, g_guard_result;
int trap_dispatch(struct frame *f);
void kmain(uint32_t variant, uint32_t magic, uint32_t mbi);

/* lib.c */
void outb(uint16_t port, uint8_t v);
uint8_t inb(uint16_t port);
void kputc(char c);
void kputs(const char *s);
void kprintf(const char *fmt, ...);
void *memset(void *d, int c, uint32_t n);
void *memcpy(void *d, const void *s, uint32_t n);
int memcmp(const void *a, const void *b, uint32_t n);
uint32_t kstrlen(const char *s);
#endif
