/*
 * report_fixture.h - one analysed synthetic cache for the report tests: a planted leak
 * (empty list_head, module callback, counter) among noise, a walk summary and owner guesses.
 */
#ifndef MEMSIM_REPORT_FIXTURE_H
#define MEMSIM_REPORT_FIXTURE_H

#include "engine.h"
#include "report.h"

#define RF_OBJECTS 4000
#define RF_PLANTED 3000
#define RF_FN 0xffffffffc0001230ULL

struct report_fixture {
	struct ms_engine *engine;
	struct ms_result *result;	/* taken from the engine */
	struct ms_cache_summary summary;
	struct ms_owner_guess guesses[2];
	struct ms_report report;
};

/* Analyse the synthetic cache and fill @f; 0 on success. */
int rf_setup(struct report_fixture *f);
void rf_teardown(struct report_fixture *f);

/* Render with @fn (ms_report_text or ms_report_json) into a malloc()ed string. */
char *rf_render(int (*fn)(const struct ms_report *, FILE *), const struct ms_report *r);
/* Does @text hold @needle?  Says on stderr which needle is missing when not. */
int rf_has(const char *text, const char *needle);

#endif
