/* kernel.h: basic types and helpers every kernel file uses. */
#ifndef KERNEL_H
#define KERNEL_H
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include "errno.h"

typedef int32_t ssize_t;
typedef int64_t loff_t;
typedef uint8_t bool;
#define true 1
#define false 0
#define NULL_PTR ((void *)0)

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
/* 3G/1G split: user space below PAGE_OFFSET, the kernel's direct map of all RAM above it. */
#define PAGE_OFFSET 0xC0000000u
#define TASK_SIZE PAGE_OFFSET
#define __va(pa) ((void *)((uint32_t)(pa) + PAGE_OFFSET))
#define __pa(va) ((uint32_t)(va) - PAGE_OFFSET)
#define pfn_to_virt(pfn) __va((uint32_t)(pfn) << PAGE_SHIFT)
#define virt_to_pfn(va) (__pa(va) >> PAGE_SHIFT)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define noreturn __attribute__((noreturn))
#define barrier() __asm__ volatile("" ::: "memory")

/* printk levels, Linux style: a "\001" + digit prefix. */
#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
extern int console_loglevel;

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t n);
unsigned long simple_strtoul(const char *s, const char **end, unsigned int base);

void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);
char *kstrdup(const char *s);

/* Kernel command line (Linux semantics: known key=value options, the rest goes to init). */
extern char boot_command_line[1024];
void parse_cmdline(void);
void start_kernel(void) noreturn;
#endif
