/*
 * held.h - what the running memsim command holds, given back even when crash ends the
 * command early.
 *
 * crash's error(FATAL, ...) (memsim's own, or one deep inside crash: a failed GETBUF, a
 * readmem without RETURN_ON_ERROR, an unknown symbol) longjmps from wherever it is straight
 * back to crash's command loop; the rest of the command, its frees included, never runs.
 * So a command registers every block, handle and thread it holds beyond its own stack here
 * (held_take) and drops the entry when it gives the thing back itself (held_drop).  Whatever
 * is still registered when crash is back at its prompt was left by a command crash ended:
 * held_release_all() releases it, newest first (a thread before the tables it counts into).
 * memsim calls it from crash's restore_sanity(), which runs before every prompt, through a
 * CLEANUP entry of its command table, and again at the start of each memsim command.
 *
 * One command at a time, on crash's thread only; no allocation here (a fixed table).
 */
#ifndef MEMSIM_HELD_H
#define MEMSIM_HELD_H

#include <stddef.h>

#define HELD_MAX 32

typedef void (*held_release_fn)(void *p);

/* Register @p, released by @release(@p) if the command never drops it; @what names it. */
void held_take(void *p, held_release_fn release, const char *what);
/* The command gives @p back itself (before or after freeing it): forget it.  NULL is fine. */
void held_drop(void *p);
/* How many things are registered now. */
size_t held_count(void);
/*
 * Release everything registered, newest first; their names, comma-separated, into @names
 * (may be NULL).  Returns how many were released.
 */
size_t held_release_all(char *names, size_t len);

#endif
