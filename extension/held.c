/* held.c - what the running memsim command holds; see held.h. */
#include <stdio.h>
#include <string.h>

#include "held.h"

static struct held {
	void *p;
	held_release_fn release;
	const char *what;
} held[HELD_MAX];
static size_t nr_held;

void held_take(void *p, held_release_fn release, const char *what)
{
	if (!p || nr_held == HELD_MAX)	/* full: never with memsim's few, and only a leak */
		return;
	held[nr_held++] = (struct held){ p, release, what };
}

void held_drop(void *p)
{
	size_t i;

	if (!p)
		return;
	for (i = nr_held; i-- > 0; )
		if (held[i].p == p) {
			memmove(&held[i], &held[i + 1], (nr_held - i - 1) * sizeof(held[0]));
			nr_held--;
			return;
		}
}

size_t held_count(void)
{
	return nr_held;
}

size_t held_release_all(char *names, size_t len)
{
	size_t n = 0, used = 0;

	if (names && len)
		names[0] = '\0';
	while (nr_held) {
		struct held h = held[--nr_held];	/* unregistered first: released once */

		if (names && used < len)
			used += snprintf(names + used, len - used, "%s%s", n ? ", " : "", h.what);
		h.release(h.p);
		n++;
	}
	return n;
}
