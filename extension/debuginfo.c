/*
 * debuginfo.c - the debuginfo files crash has loaded, indexed for owner guessing.
 *
 * The vmlinux index lives for the session (it is the big one: built once per vmlinux and
 * cached on disk under $MEMSIM_CACHE or ~/.cache/memsim/dwarf); module indexes are opened per
 * command, since `mod -s` may load or drop modules between commands.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"

#include "debuginfo.h"

static struct ms_dwarf_index *vmlinux_index;
static char vmlinux_path[PATH_MAX];

static void cache_dir(char *buf, size_t len)
{
	const char *c = getenv("MEMSIM_CACHE"), *home = getenv("HOME");

	if (c && *c)
		snprintf(buf, len, "%s/dwarf", c);
	else if (home && *home)
		snprintf(buf, len, "%s/.cache/memsim/dwarf", home);
	else
		buf[0] = 0;
}

static const char *kernel_debuginfo(void)
{
	if (pc->namelist_debug && *pc->namelist_debug)
		return pc->namelist_debug;
	return pc->namelist;
}

int debuginfo_open(struct debuginfo *di)
{
	const char *path = kernel_debuginfo();
	char dir[PATH_MAX];
	struct ms_error *err;
	int i;

	memset(di, 0, sizeof(*di));
	cache_dir(dir, sizeof(dir));
	if (vmlinux_index && path && strcmp(path, vmlinux_path)) {
		ms_dwarf_index_free(vmlinux_index);
		vmlinux_index = NULL;
	}
	if (!vmlinux_index && path) {
		err = ms_dwarf_index_open(path, "vmlinux", dir[0] ? dir : NULL, &vmlinux_index);
		if (err) {
			snprintf(di->note, sizeof(di->note), "kernel debuginfo: %.200s", err->message);
			ms_error_free(err);
		} else {
			snprintf(vmlinux_path, sizeof(vmlinux_path), "%s", path);
			di->vmlinux_built = !ms_dwarf_index_cached(vmlinux_index);
			if (ms_dwarf_index_cache_note(vmlinux_index))
				snprintf(di->cache_note, sizeof(di->cache_note), "vmlinux: %.250s",
					 ms_dwarf_index_cache_note(vmlinux_index));
		}
	}
	if (vmlinux_index)
		di->indexes[di->nr++] = vmlinux_index;
	for (i = 0; i < st->mods_installed && di->nr < DEBUGINFO_MAX; i++) {
		struct load_module *lm = &st->load_modules[i];
		struct ms_dwarf_index *idx;

		if (!(lm->mod_flags & MOD_LOAD_SYMS) || !lm->mod_namelist[0])
			continue;
		err = ms_dwarf_index_open(lm->mod_namelist, lm->mod_name, dir[0] ? dir : NULL, &idx);
		if (err) {
			if (!di->note[0])
				snprintf(di->note, sizeof(di->note), "module %.60s: %.200s", lm->mod_name,
					 err->message);
			ms_error_free(err);
			continue;
		}
		if (ms_dwarf_index_cache_note(idx) && !di->cache_note[0])
			snprintf(di->cache_note, sizeof(di->cache_note), "module %.40s: %.250s",
				 lm->mod_name, ms_dwarf_index_cache_note(idx));
		di->indexes[di->nr++] = idx;
		di->nr_modules++;
	}
	return (int)di->nr;
}

void debuginfo_close(struct debuginfo *di)
{
	size_t i;

	for (i = 0; i < di->nr; i++)
		if (di->indexes[i] != vmlinux_index)
			ms_dwarf_index_free(di->indexes[i]);
	memset(di, 0, sizeof(*di));
}

void debuginfo_unload(void)
{
	ms_dwarf_index_free(vmlinux_index);
	vmlinux_index = NULL;
}
