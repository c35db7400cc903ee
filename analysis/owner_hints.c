/* owner_hints.c - SLUB's allocation sites to the owner guess's hints; see owner_hints.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "owner_hints.h"
#include "resolve.h"

static void note_add(char *note, size_t len, const char *what)
{
	size_t used = strlen(note);

	if (used + 3 < len && !strstr(note, what))
		snprintf(note + used, len - used, "%s%s", used ? "; " : "", what);
}

static struct ms_dwarf_index *index_of(struct ms_dwarf_index *const *indexes, size_t nr,
				       const struct ms_symbol *sym)
{
	const char *origin = sym->module[0] ? sym->module : "vmlinux";
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(ms_dwarf_index_origin(indexes[i]), origin))
			return indexes[i];
	return NULL;
}

/*
 * The types in scope at @addr: how many were put into @out (at most @max); *@asked is 1 when
 * the function there was found in debuginfo (so that none means none there).
 */
static size_t types_at(struct ms_dwarf_index *const *indexes, size_t nr,
		       const struct ms_env *env, uint64_t addr, struct ms_code_type *out,
		       size_t max, char *name, size_t name_len, int *asked, char *note,
		       size_t note_len)
{
	struct ms_dwarf_index *idx;
	struct ms_symbol sym;
	struct ms_error *err;
	char what[400];
	size_t n = 0;

	*asked = 0;
	memset(&sym, 0, sizeof(sym));
	snprintf(name, name_len, "%016" PRIx64, addr);
	if (!env || !env->symbol || !env->symbol(env->ctx, addr, &sym) || !sym.name[0]) {
		snprintf(what, sizeof(what), "allocation site %016" PRIx64 " has no symbol", addr);
		note_add(note, note_len, what);
		return 0;
	}
	ms_symbol_format(&sym, name, name_len);
	idx = index_of(indexes, nr, &sym);
	if (!idx) {
		snprintf(what, sizeof(what), "allocation site %s: no debuginfo of %s loaded", name,
			 sym.module[0] ? sym.module : "the kernel");
		note_add(note, note_len, what);
		return 0;
	}
	err = ms_dwarf_code_types(idx, sym.name, sym.offset, out, max, &n);
	if (err) {
		snprintf(what, sizeof(what), "allocation site %s: %s", name, err->message);
		note_add(note, note_len, what);
		ms_error_free(err);
		return 0;
	}
	*asked = 1;
	return n;
}

/* The frame that called the function of @site, from the site's most common stack; 0: none. */
static uint64_t caller_frame(const struct ms_track_agg *agg, uint64_t site)
{
	const struct ms_track_stack *st = ms_track_site_stack(agg, site);
	uint32_t i;

	for (i = 0; st && i + 1 < st->nr_frames; i++)
		if (st->frames[i] == site)
			return st->frames[i + 1];
	return 0;
}

size_t ms_owner_hints_from_tracks(struct ms_dwarf_index *const *indexes, size_t nr,
				  const struct ms_track_agg *agg, const struct ms_env *env,
				  struct ms_owner_hint *hints, size_t max, char *note,
				  size_t note_len)
{
	struct ms_code_type types[MS_CODE_MAX_TYPES];
	uint64_t recorded;
	size_t i, k, n = 0;

	if (note_len)
		note[0] = 0;
	if (!agg || !nr || agg->objects <= agg->empty)
		return 0;
	recorded = agg->objects - agg->empty;
	for (i = 0; i < agg->nr_sites && i < MS_OWNER_HINT_SITES; i++) {
		const struct ms_track_count *site = &agg->sites[i];
		char site_name[192], frame_name[192] = "";
		size_t got;
		uint64_t up;
		int asked;

		if (site->count * 10 < recorded)
			break;		/* sites are by count: the rest are smaller still */
		got = types_at(indexes, nr, env, site->key, types, MS_CODE_MAX_TYPES, site_name,
			       sizeof(site_name), &asked, note, note_len);
		if (!got && asked && (up = caller_frame(agg, site->key)) != 0)
			got = types_at(indexes, nr, env, up, types, MS_CODE_MAX_TYPES, frame_name,
				       sizeof(frame_name), &asked, note, note_len);
		for (k = 0; k < got && n < max; k++) {
			struct ms_owner_hint *h = &hints[n++];

			memset(h, 0, sizeof(*h));
			h->code = types[k];
			snprintf(h->site, sizeof(h->site), "%s", site_name);
			snprintf(h->frame, sizeof(h->frame), "%s", frame_name);
			h->share = (double)site->count / recorded;
			if (h->share > 1)
				h->share = 1;
		}
	}
	return n;
}
