/* main.c: start_kernel: the architecture-independent boot, after the port has set up memory,
 * traps, events and the console. Parses the command line with Linux's rules (known options;
 * other words go to init: without '=' as arguments, with '=' as environment), unpacks the
 * initramfs and runs init: rdinit= (default /init), then init=, then /sbin/init. */
#include "kernel.h"
#include "arch.h"
#include "sched.h"
#include "fs.h"

char boot_command_line[1024];
extern char utsname_nodename[65];
void random_seed(uint64_t seed);

#define MAX_INIT_ARGS 32
static char *argv_init[MAX_INIT_ARGS + 2] = { 0 };
static char *envp_init[MAX_INIT_ARGS + 3] = { "HOME=/", "TERM=linux", 0 };
static char cmdline_copy[1024];
static const char *rdinit = "/init";
static const char *init;

static void add(char **v, int max, char *s)
{
    int n = 0;
    while (v[n]) n++;
    if (n < max) v[n] = s;
}

/* Called by the port as soon as the command line is known, before the first message. */
void parse_cmdline(void)
{
    strlcpy(cmdline_copy, boot_command_line, sizeof(cmdline_copy));
    char *p = cmdline_copy;
    bool after_dashes = false;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        char *w = p;
        while (*p && *p != ' ') p++;
        if (*p) *p++ = 0;
        char *eq = strchr(w, '=');
        if (!after_dashes) {
            if (strcmp(w, "--") == 0) { after_dashes = true; continue; }
            if (strcmp(w, "quiet") == 0) { console_loglevel = 4; continue; }
            if (strcmp(w, "debug") == 0) { console_loglevel = 10; continue; }
            if (eq) {
                *eq = 0;
                const char *v = eq + 1;
                if (strcmp(w, "rdinit") == 0) { rdinit = v; continue; }
                if (strcmp(w, "init") == 0) { init = v; continue; }
                if (strcmp(w, "loglevel") == 0) { console_loglevel = (int)simple_strtoul(v, 0, 10) + 1; continue; }
                if (strcmp(w, "hostname") == 0) { strlcpy(utsname_nodename, v, sizeof(utsname_nodename)); continue; }
                if (strcmp(w, "random.seed") == 0) { random_seed(simple_strtoul(v, 0, 0)); continue; }
                if (strcmp(w, "earlyprintk") == 0) { arch_early_console(v); continue; }
                if (strcmp(w, "console") == 0 || strcmp(w, "root") == 0 || strchr(w, '.')) continue;
                *eq = '=';
                add(envp_init, MAX_INIT_ARGS + 2, w);
                continue;
            }
        }
        add(argv_init + 1, MAX_INIT_ARGS, w);
    }
}

static bool exists(const char *path)
{
    struct inode *i;
    return path_lookup(path, 0, true, &i) == 0;
}

static int run(const char *path)
{
    argv_init[0] = (char *)path;
    return run_init_process(path, argv_init, envp_init);
}

/* Linux's kernel_init: rdinit= when it exists (a failure is reported and we go on), then
 * init= (a failure is fatal), then the usual places. */
static noreturn void start_init(void)
{
    init_task_setup();
    if (exists(rdinit)) {
        int rc = run(rdinit);
        printk(KERN_ERR "Failed to execute %s (error %d)\n", rdinit, rc);
    }
    if (init) {
        int rc = run(init);
        panic("Requested init %s failed (error %d).", init, rc);
    }
    static const char *const defaults[] = { "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };
    for (unsigned i = 0; i < ARRAY_SIZE(defaults); i++) {
        int rc = run(defaults[i]);
        if (rc != -ENOENT) printk(KERN_ERR "Starting init: %s exists but couldn't execute it (error %d)\n", defaults[i], rc);
    }
    panic("No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.");
}

void start_kernel(void)
{
    printk(KERN_NOTICE "Linux version 3.2.0-xenolinux (xen-ts) #1\n");
    printk(KERN_NOTICE "Kernel command line: %s\n", boot_command_line);
    printk(KERN_INFO "Memory: %uk/%uk available\n", nr_free_pages() * 4, arch_nr_pages() * 4);

    root_inode = inode_new(S_IFDIR | 0755);
    if (!root_inode) panic("no memory for the root directory");
    size_t rd_len;
    const uint8_t *rd = arch_initrd(&rd_len);
    if (rd_len) initramfs_unpack(rd, rd_len);
    else printk(KERN_WARNING "No initramfs\n");

    start_init();
}
