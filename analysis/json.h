/*
 * json.h - the report as JSON, for scripts.
 *
 * One JSON object per report, on one line, schema "memsim-report" version 1: documented in
 * docs/json-schema.md and machine-readable in docs/memsim-report.schema.json (JSON Schema
 * draft 2020-12).  The schema only grows: fields are added, never renamed or retyped, and
 * the version goes up if a meaning ever changes.  64-bit addresses and raw values are
 * strings "0x" + 16 hex digits (JSON numbers lose precision past 2^53); counts are numbers.
 */
#ifndef MEMSIM_JSON_H
#define MEMSIM_JSON_H

#include <stdio.h>

#include "report.h"

#define MS_JSON_SCHEMA "memsim-report"
#define MS_JSON_VERSION 1

/* Write @r as one JSON object and a newline to @out.  Returns 0, or -1 when writing failed. */
int ms_report_json(const struct ms_report *r, FILE *out);

/*
 * Write @s as a JSON string, quotes included: '"' and '\' escaped, control characters as
 * \n, \t or \u00XX, and bytes >= 0x80 as \u00XX (read as Latin-1), since names read from a
 * dump need not be valid UTF-8 and the output must always be valid JSON.
 */
void ms_json_string(FILE *out, const char *s);

#endif
