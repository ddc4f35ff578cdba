/* cmdline.c: `key=value` options from start_info.cmd_line, separated by spaces. */
#include "xtf.h"

static const char *find_key(const char *key)
{
    const char *p = start_info->cmd_line;
    size_t l = strlen(key);
    while (*p) {
        while (*p == ' ') p++;
        if (!strncmp(p, key, l) && p[l] == '=') return p + l + 1;
        while (*p && *p != ' ') p++;
    }
    return NULL;
}

bool cmdline_get_ulong(const char *key, unsigned long *out)
{
    const char *v = find_key(key);
    const char *end;
    if (!v) return false;
    *out = strtoul(v, &end, 0);
    return end != v;
}

unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
    unsigned long v;
    return cmdline_get_ulong(key, &v) ? v : dflt;
}
