/* exec.c: loading a static i386 ELF executable (ET_EXEC, or a static PIE: ET_DYN without an
 * interpreter, placed at ELF_ET_DYN_BASE) and building the initial stack as
 * Linux's binfmt_elf does (create_elf_tables): argc, argv[], NULL, envp[], NULL, auxv pairs,
 * then the strings near the top, with AT_RANDOM's 16 bytes and AT_PLATFORM's "i686". */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "elf.h"

#define STACK_TOP TASK_SIZE
#define STACK_SIZE_MAX (8u << 20)   /* RLIMIT_STACK default */
#define MAX_ARG_STRLEN (128 * 1024)
#define MAX_ARGS_BYTES (64 * 1024)
#define ELF_ET_DYN_BASE 0x00400000u /* Linux's for ia32 processes (arch/x86/include/asm/elf.h) */

static int prot_of(uint32_t pflags)
{
    return ((pflags & PF_R) ? PROT_READ : 0) | ((pflags & PF_W) ? PROT_WRITE : 0) | ((pflags & PF_X) ? PROT_EXEC : 0);
}

/* Loads the pages [from, to) of segment `ph` now: from the file, zeros past p_filesz. A page
 * shared with the previous segment (its last page is this one's first) is filled in place. */
static int load_pages(struct mm *mm, struct inode *file, const struct elf32_phdr *ph, uint32_t from, uint32_t to,
                      int prot)
{
    uint32_t start = ph->p_vaddr & PAGE_MASK;
    uint32_t end = PAGE_ALIGN(ph->p_vaddr + ph->p_memsz);
    for (uint32_t va = from; va < to; va += PAGE_SIZE) {
        /* Only a segment's first and last pages can be shared with a neighbour; asking about
         * the others would flush the page-table batch for nothing. */
        bool edge = va == start || va + PAGE_SIZE == end;
        int32_t have = edge ? arch_lookup_user_page(mm->arch, va, 0) : -1;
        uint32_t pfn;
        int page_prot = prot;
        if (have >= 0) {
            pfn = (uint32_t)have;   /* shared with the previous segment's last page */
            struct vma *v = vma_find(mm, va);
            if (v) page_prot |= v->prot;
        } else {
            pfn = page_alloc_pfn();
            if (!pfn) return -ENOMEM;
            memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
        }
        /* The part of [p_vaddr, p_vaddr + p_filesz) on this page. */
        uint32_t lo = MAX(va, ph->p_vaddr), hi = MIN(va + PAGE_SIZE, ph->p_vaddr + ph->p_filesz);
        if (lo < hi &&
            inode_read_kernel(file, ph->p_offset + (lo - ph->p_vaddr), (uint8_t *)pfn_to_virt(pfn) + (lo - va), hi - lo) !=
                (ssize_t)(hi - lo)) {
            if (have < 0) page_free_pfn(pfn);
            return -EIO;
        }
        int rc = arch_map_user_page(mm->arch, va, pfn, page_prot);
        if (rc) {
            if (have < 0) page_free_pfn(pfn);
            return rc;
        }
    }
    return 0;
}

/* A PT_LOAD segment. A read-only one (text, rodata) is mapped from the file and read page by page
 * on first touch, as Linux maps an executable (only its edge pages, which a neighbouring segment
 * may share, are read now); a writable one is read in whole (data, and bss zeroed). */
static int load_segment(struct mm *mm, struct inode *file, const struct elf32_phdr *ph)
{
    uint32_t start = ph->p_vaddr & PAGE_MASK;
    uint32_t end = PAGE_ALIGN(ph->p_vaddr + ph->p_memsz);
    int prot = prot_of(ph->p_flags);
    bool lazy = !(ph->p_flags & PF_W) && (ph->p_offset & ~PAGE_MASK) == (ph->p_vaddr & ~PAGE_MASK) &&
                end - start > 2 * PAGE_SIZE;
    int rc = lazy ? load_pages(mm, file, ph, start, start + PAGE_SIZE, prot) ?: load_pages(mm, file, ph, end - PAGE_SIZE, end, prot)
                  : load_pages(mm, file, ph, start, end, prot);
    if (rc) return rc;
    vma_remove(mm, start, end);
    struct vma v = { start, end, prot, 0, 0, 0, 0 };
    if (lazy) {
        v.file = file;
        v.file_pos = ph->p_offset - (ph->p_vaddr - start);
        v.file_end = ph->p_vaddr + ph->p_filesz;
    }
    return vma_insert(mm, &v);
}

/* The headers of the executable, read through the file system (initramfs bytes or pages of a
 * file written at run time alike). One exec at a time (the kernel is not preemptible). */
struct elf_headers {
    struct elf32_ehdr eh;
    struct elf32_phdr ph[64];
};

static int check_elf(struct inode *ino, struct elf_headers *h)
{
    if (!S_ISREG(ino->mode)) return -EACCES;
    if (!(ino->mode & 0111)) return -EACCES;
    if (inode_read_kernel(ino, 0, &h->eh, sizeof(h->eh)) != (ssize_t)sizeof(h->eh)) return -ENOEXEC;
    const struct elf32_ehdr *eh = &h->eh;
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0 || eh->e_ident[4] != ELFCLASS32 || eh->e_ident[5] != ELFDATA2LSB ||
        eh->e_machine != EM_386 || eh->e_phentsize != sizeof(struct elf32_phdr) || eh->e_phnum == 0 ||
        eh->e_phnum > ARRAY_SIZE(h->ph))
        return -ENOEXEC;
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) return -ENOEXEC;
    if (eh->e_phoff > ino->size || eh->e_phnum * sizeof(struct elf32_phdr) > ino->size - eh->e_phoff) return -ENOEXEC;
    size_t phsize = eh->e_phnum * sizeof(struct elf32_phdr);
    if (inode_read_kernel(ino, eh->e_phoff, h->ph, phsize) != (ssize_t)phsize) return -ENOEXEC;
    struct elf32_phdr *ph = h->ph;
    if (eh->e_type == ET_DYN) {
        /* A static PIE relocates itself (glibc's _dl_relocate_static_pie): move every address of
         * the image by one bias so that its lowest page lands at ELF_ET_DYN_BASE. */
        uint32_t low = 0xffffffffu;
        for (int i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD) low = MIN(low, ph[i].p_vaddr & PAGE_MASK);
        if (low == 0xffffffffu) return -ENOEXEC;
        uint32_t bias = low < ELF_ET_DYN_BASE ? ELF_ET_DYN_BASE - low : 0; /* one linked higher stays */
        for (int i = 0; i < eh->e_phnum; i++) {
            if ((uint64_t)ph[i].p_vaddr + bias >= TASK_SIZE) return -EINVAL;
            ph[i].p_vaddr += bias;
        }
        h->eh.e_entry += bias;
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP) return -ENOEXEC; /* dynamic linking: later */
        if (ph[i].p_type != PT_LOAD) continue;
        if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > ino->size || ph[i].p_filesz > ino->size - ph[i].p_offset)
            return -ENOEXEC;
        if (ph[i].p_vaddr >= TASK_SIZE || ph[i].p_memsz > TASK_SIZE - ph[i].p_vaddr) return -EINVAL;
        if (ph[i].p_vaddr + ph[i].p_memsz > STACK_TOP - STACK_SIZE_MAX) return -EINVAL;
    }
    return 0;
}

/* Copies argv/envp (kernel arrays) into one kernel buffer, counting them. */
struct args { char *buf; size_t len; int argc, envc; };
static int gather(struct args *a, char *const v[], int *count)
{
    for (int i = 0; v && v[i]; i++) {
        size_t n = strnlen(v[i], MAX_ARG_STRLEN) + 1;
        if (n > MAX_ARG_STRLEN || a->len + n > MAX_ARGS_BYTES) return -E2BIG;
        memcpy(a->buf + a->len, v[i], n);
        a->len += n;
        (*count)++;
    }
    return 0;
}

static int push_user(uint32_t *sp, const void *data, size_t n)
{
    *sp -= n;
    return copy_to_user((void *)*sp, data, n);
}

static int build_stack(struct mm *mm, const struct elf32_ehdr *eh, uint32_t phdr_va, const char *execfn,
                       struct args *a, uint32_t *out_sp)
{
    int rc = vma_add(mm, STACK_TOP - STACK_SIZE_MAX, STACK_TOP, PROT_READ | PROT_WRITE, VMA_STACK);
    if (rc) return rc;
    uint32_t sp = STACK_TOP;
    uint32_t zero = 0;
    if ((rc = push_user(&sp, &zero, 4))) return rc;                 /* end marker */
    if ((rc = push_user(&sp, execfn, strlen(execfn) + 1))) return rc;
    uint32_t execfn_va = sp;
    if ((rc = push_user(&sp, a->buf, a->len))) return rc;          /* argv then envp strings */
    uint32_t strings_va = sp;
    static const char platform[] = "i686";
    if ((rc = push_user(&sp, platform, sizeof(platform)))) return rc;
    uint32_t platform_va = sp;
    uint8_t rnd[16];
    get_random_bytes(rnd, sizeof(rnd));
    sp &= ~15u;
    if ((rc = push_user(&sp, rnd, sizeof(rnd)))) return rc;
    uint32_t random_va = sp;

    uint32_t auxv[] = {
        AT_HWCAP, 0, AT_PAGESZ, PAGE_SIZE, AT_CLKTCK, 100, AT_PHDR, phdr_va, AT_PHENT, sizeof(struct elf32_phdr),
        AT_PHNUM, eh->e_phnum, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, eh->e_entry, AT_UID, 0, AT_EUID, 0,
        AT_GID, 0, AT_EGID, 0, AT_SECURE, 0, AT_RANDOM, random_va, AT_HWCAP2, 0, AT_EXECFN, execfn_va,
        AT_PLATFORM, platform_va, AT_NULL, 0,
    };
    uint32_t nptr = 1 + a->argc + 1 + a->envc + 1;
    uint32_t total = nptr * 4 + sizeof(auxv);
    sp = (sp - total) & ~15u;   /* the i386 ABI: 16-byte aligned at argc */
    uint32_t *vec = kmalloc(total);
    if (!vec) return -ENOMEM;
    uint32_t k = 0, s = strings_va;
    vec[k++] = a->argc;
    for (int i = 0; i < a->argc; i++) { vec[k++] = s; s += strlen(a->buf + (s - strings_va)) + 1; }
    vec[k++] = 0;
    for (int i = 0; i < a->envc; i++) { vec[k++] = s; s += strlen(a->buf + (s - strings_va)) + 1; }
    vec[k++] = 0;
    memcpy(&vec[k], auxv, sizeof(auxv));
    rc = copy_to_user((void *)sp, vec, total);
    kfree(vec);
    *out_sp = sp;
    return rc;
}

int do_execve(const char *path, char *const argv[], char *const envp[])
{
    struct inode *ino;
    int rc = path_lookup(path, current->cwd, true, &ino);
    if (rc) return rc;
    static struct elf_headers headers;
    if ((rc = check_elf(ino, &headers))) return rc;
    const struct elf32_ehdr *eh = &headers.eh;

    /* The strings must survive the old address space: one exec at a time (the kernel is not
     * preemptible), so one static buffer. */
    static char argbuf[MAX_ARGS_BYTES];
    struct args a = { argbuf, 0, 0, 0 };
    if ((rc = gather(&a, argv, &a.argc)) || (rc = gather(&a, envp, &a.envc))) return rc;

    struct mm *mm = mm_new();
    if (!mm) return -ENOMEM;
    /* Point of no return once the new image is in place; until then the old mm stays. */
    struct mm *old = current->mm;
    current->mm = mm;
    arch_mm_activate(mm->arch);
    const struct elf32_phdr *ph = headers.ph;
    uint32_t end = 0, phdr_va = 0;
    for (int i = 0; i < eh->e_phnum && !rc; i++) {
        if (ph[i].p_type == PT_PHDR) phdr_va = ph[i].p_vaddr;
        if (ph[i].p_type != PT_LOAD) continue;
        rc = load_segment(mm, ino, &ph[i]);
        if (ph[i].p_offset == 0 && !phdr_va) phdr_va = ph[i].p_vaddr + eh->e_phoff;
        end = MAX(end, PAGE_ALIGN(ph[i].p_vaddr + ph[i].p_memsz));
    }
    arch_flush_mmu();
    uint32_t sp = 0;
    if (!rc) rc = build_stack(mm, eh, phdr_va, path, &a, &sp);
    if (rc) {
        current->mm = old;
        arch_mm_activate(old ? old->arch : 0);
        mm_free(mm);
        return rc;
    }
    if (old) mm_put(old);
    release_vfork_parent();
    mm->start_brk = mm->brk = end;
    mm->mmap_base = STACK_TOP - STACK_SIZE_MAX - PAGE_SIZE * 16; /* below the stack gap */
    rc = vma_add(mm, end, end, PROT_READ | PROT_WRITE, VMA_HEAP);

    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '/') base = p + 1;
    strlcpy(current->comm, base, sizeof(current->comm));
    for (int i = 0; i < 3; i++) current->tls[i] = 0, arch_set_tls_desc(i, 0);
    for (int i = 0; i < _NSIG; i++)  /* caught signals revert to default; ignored stay ignored */
        if (current->sigactions[i].handler > 1) memset(&current->sigactions[i], 0, sizeof(current->sigactions[i]));
    current->sas_ss_sp = current->sas_ss_size = current->sas_ss_flags = 0; /* the old stack is gone */
    fd_close_on_exec();
    arch_init_user_regs(current->regs, eh->e_entry, sp);
    return 0;
}
