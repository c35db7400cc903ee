/*
 * fault.h - test-only fault injection: a crash error or a Ctrl-C at a chosen point of a
 * scan, to prove that a command crash ends early gives back what it held (held.h) and that
 * Ctrl-C reaches memsim's handler mid-walk.
 *
 *   MEMSIM_FAULT=ITEM[,ITEM...]     ITEM: fatal-mid-scan[:N] or sigint-mid-scan[:N]
 *
 * The N-th scan of the session (each memsim command that walks a cache counts, from 1; the
 * first when no N is given), at slab FAULT_AT_SLAB of its walk, with the counting thread
 * running: fatal-mid-scan calls error(FATAL, ...), which longjmps to crash's prompt;
 * sigint-mid-scan raises SIGINT on crash's thread, as a Ctrl-C there would.  Unset, nothing
 * changes.  Not a user's option: tests/integration/fatal.sh sets it (docs/design.md).
 */
#ifndef MEMSIM_FAULT_H
#define MEMSIM_FAULT_H

#define FAULT_AT_SLAB 200

/* A scan begins: arm what MEMSIM_FAULT names for this scan. */
void fault_scan_begin(void);
/* A slab was handed on (to the counting thread, or counted): the fault, when armed. */
void fault_slab(void);

#endif
