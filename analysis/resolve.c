/* resolve.c - naming what a cluster's words point at; see resolve.h. */
#include <stdio.h>
#include <string.h>

#include "resolve.h"

#define TARGET_WORDS 8		/* words of a shared target looked at */
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

/* "whose +0x0 is &ops [mod], +0x8 is fn [mod]" for the symbols inside the target object. */
static void describe_target_words(const struct ms_env *env, uint64_t obj, char *buf, size_t len)
{
	uint64_t words[TARGET_WORDS];
	size_t used = strlen(buf);
	int i, named = 0;

	if (!env->read || !env->read(env->ctx, obj, words, sizeof(words)))
		return;
	for (i = 0; i < TARGET_WORDS && used < len; i++) {
		struct ms_symbol sym;
		char name[160];

		if (words[i] < (1ULL << 47) || !lookup(env, words[i], &sym))
			continue;
		ms_symbol_format(&sym, name, sizeof(name));
		used += snprintf(buf + used, len - used, "%s+0x%x is %s%s", named++ ? ", " : ", whose ",
				 i * 8, sym.is_text ? "" : "&", name);
	}
}

static void resolve_shared_pointer(struct ms_word *w, uint64_t count, const struct ms_env *env)
{
	struct ms_slab_object obj;

	if (!w->constant || !w->value || !env->slab_object ||
	    !env->slab_object(env->ctx, w->value, &obj))
		return;
	snprintf(w->meaning, sizeof(w->meaning), "all %llu point to the same %s object %llx+0x%llx",
		 (unsigned long long)count, obj.cache_name, (unsigned long long)obj.object,
		 (unsigned long long)(w->value - obj.object));
	describe_target_words(env, obj.object, w->meaning, sizeof(w->meaning));
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
		case MS_TOK_SAME_CACHE:
		case MS_TOK_SLAB:
		case MS_TOK_HEAP:
			resolve_shared_pointer(w, count, env);
			break;
		default:
			break;
		}
	}
}
