/* fault.c - test-only fault injection; see fault.h. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"

#include "fault.h"

enum fault { FAULT_NONE, FAULT_FATAL, FAULT_SIGINT };

static const struct {
	const char *name;
	enum fault kind;
} faults[] = {
	{ "fatal-mid-scan", FAULT_FATAL },
	{ "sigint-mid-scan", FAULT_SIGINT },
};

static unsigned scans;		/* scans begun this session */
static enum fault armed;
static unsigned long slabs;	/* slabs handed on in this scan */

static void not_understood(const char *v)
{
	static int warned;

	if (!warned++)
		error(INFO, "MEMSIM_FAULT=%s: not understood (test only: fatal-mid-scan[:N] or "
			    "sigint-mid-scan[:N], comma-separated)\n", v);
}

/* What MEMSIM_FAULT asks of scan @n. */
static enum fault fault_wanted(unsigned n)
{
	const char *v = getenv("MEMSIM_FAULT"), *p;
	enum fault want = FAULT_NONE;

	if (!v || !*v)
		return FAULT_NONE;
	for (p = v; *p; ) {
		size_t len = strcspn(p, ":,"), i;
		unsigned long k = 1;
		enum fault kind = FAULT_NONE;
		char *end;

		for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			if (strlen(faults[i].name) == len && !strncmp(p, faults[i].name, len))
				kind = faults[i].kind;
		if (kind == FAULT_NONE) {
			not_understood(v);
			return FAULT_NONE;
		}
		p += len;
		if (*p == ':') {
			k = strtoul(p + 1, &end, 10);
			if (end == p + 1 || (*end && *end != ',')) {
				not_understood(v);
				return FAULT_NONE;
			}
			p = end;
		}
		if (*p == ',')
			p++;
		if (k == n)
			want = kind;
	}
	return want;
}

void fault_scan_begin(void)
{
	scans++;
	slabs = 0;
	armed = fault_wanted(scans);
}

void fault_slab(void)
{
	enum fault f = armed;

	if (f == FAULT_NONE || ++slabs != FAULT_AT_SLAB)
		return;
	armed = FAULT_NONE;
	if (f == FAULT_SIGINT)
		raise(SIGINT);
	else
		error(FATAL, "MEMSIM_FAULT: error(FATAL) injected at slab %d of scan %u (test only)\n",
		      FAULT_AT_SLAB, scans);
}
