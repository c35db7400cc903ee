/* pattern.c - the shared vocabulary's few functions; see pattern.h. */
#include <stdlib.h>

#include "pattern.h"

static void target_free(struct ms_target *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nr_words; i++)
		target_free(t->words[i].target);
	free(t->words);
	free(t);
}

void ms_pattern_release(struct ms_pattern *p)
{
	size_t i;

	if (!p->words)
		return;
	for (i = 0; i < p->nr_words; i++)
		target_free(p->words[i].target);
	free(p->words);
	p->words = NULL;
	p->nr_words = 0;
}
