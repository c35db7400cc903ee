/* resolve.c - naming what a cluster's words point at; see resolve.h. */
#include <stdio.h>
#include <string.h>

#include "resolve.h"

#define MAX_SYMBOL_OFFSET 0x100000	/* farther from a symbol than this is not "in" it */

void ms_symbol_format(const struct ms_symbol *sym, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", sym->name);

	if (sym->offset && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "+0x%llx", (unsigned long long)sym->offset);
	if (sym->module[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " [%s]", sym->module);
}

static int lookup(const struct ms_env *env, uint64_t addr, struct ms_symbol *sym)
{
	return env->symbol && env->symbol(env->ctx, addr, sym) && sym->name[0] &&
	       sym->offset < MAX_SYMBOL_OFFSET;
}

static void resolve_symbol_word(struct ms_word *w, const struct ms_env *env)
{
	struct ms_symbol sym;

	if (!lookup(env, w->value, &sym))
		return;
	ms_symbol_format(&sym, w->symbol, sizeof(w->symbol));
	if (w->kind == MS_TOK_KTEXT)
		snprintf(w->meaning, sizeof(w->meaning), "%s",
			 w->constant ? "function pointer, the same in all:" :
				       "function pointer, varies; e.g.");
	else
		snprintf(w->meaning, sizeof(w->meaning), "%s",
			 w->constant ? "pointer to a global, the same in all: &" :
				       "pointer to globals, varies; e.g. &");
}

void ms_pattern_resolve(struct ms_pattern *p, uint64_t count, const struct ms_env *env)
{
	size_t i;

	if (!p || !env)
		return;
	for (i = 0; i < p->nr_words; i++) {
		struct ms_word *w = &p->words[i];

		if (w->symbol[0] || w->meaning[0])
			continue;
		switch (w->kind) {
		case MS_TOK_KTEXT:
		case MS_TOK_KDATA:
			resolve_symbol_word(w, env);
			break;
		default:
			break;
		}
	}
}
