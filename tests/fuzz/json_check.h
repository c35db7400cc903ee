/*
 * json_check.h - a strict JSON validator for the fuzz targets (RFC 8259, no extensions).
 *
 * Strict means: the text is valid UTF-8 (no overlong forms, no surrogates, nothing past
 * U+10FFFF), strings hold no raw control character and only the escapes the RFC lists, a
 * \u escape of a surrogate comes in a high-low pair, numbers follow the grammar (no NaN, no
 * leading zeros), exactly one value, whitespace around it only.
 */
#ifndef MEMSIM_JSON_CHECK_H
#define MEMSIM_JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 when @text (@len bytes) is one valid JSON value, else -1 with the reason in @why. */
int json_check(const char *text, size_t len, char *why, size_t why_len);

/*
 * The same for a text that must be exactly one JSON string: its code points go to @cps
 * (room for @max; *@nr gets how many there were, even past @max).
 */
int json_check_string(const char *text, size_t len, uint32_t *cps, size_t max, size_t *nr,
		      char *why, size_t why_len);

#endif
