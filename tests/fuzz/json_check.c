/* json_check.c - a strict JSON validator; see json_check.h. */
#include <stdarg.h>
#include <stdio.h>

#include "json_check.h"

#define MAX_DEPTH 256

struct jp {
	const unsigned char *p, *end;
	char *why;
	size_t why_len;
	int failed;
	uint32_t *cps;		/* code points of the strings, when wanted */
	size_t max, nr;
};

static int fail(struct jp *j, const char *fmt, ...)
{
	va_list ap;

	if (!j->failed && j->why_len) {
		va_start(ap, fmt);
		vsnprintf(j->why, j->why_len, fmt, ap);
		va_end(ap);
	}
	j->failed = 1;
	return -1;
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static void emit(struct jp *j, uint32_t cp)
{
	if (j->cps && j->nr < j->max)
		j->cps[j->nr] = cp;
	j->nr++;
}

/* One UTF-8 sequence at j->p into *@cp; -1 when invalid. */
static int utf8(struct jp *j, uint32_t *cp)
{
	const unsigned char *s = j->p;
	size_t left = (size_t)(j->end - s), n, i;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		n = 1;
		min = 0;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return fail(j, "invalid UTF-8 lead byte 0x%02x", s[0]);
	}
	if (n > left)
		return fail(j, "truncated UTF-8 sequence");
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return fail(j, "invalid UTF-8 continuation byte 0x%02x", s[i]);
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min)
		return fail(j, "overlong UTF-8 sequence");
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return fail(j, "UTF-8 encodes U+%X, not a scalar value", c);
	j->p += n;
	*cp = c;
	return 0;
}

static int hex4(struct jp *j, uint32_t *out)
{
	int i;

	*out = 0;
	if (j->end - j->p < 4)
		return fail(j, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		unsigned char c = *j->p++;

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*out |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*out |= c - 'A' + 10;
		else
			return fail(j, "bad hex digit in \\u escape");
	}
	return 0;
}

static int string(struct jp *j)
{
	j->p++;	/* the opening quote */
	for (;;) {
		uint32_t cp = 0;

		if (j->p >= j->end)
			return fail(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			return 0;
		}
		if (*j->p < 0x20)
			return fail(j, "raw control character 0x%02x in a string", *j->p);
		if (*j->p != '\\') {
			if (utf8(j, &cp))
				return -1;
			emit(j, cp);
			continue;
		}
		j->p++;
		if (j->p >= j->end)
			return fail(j, "unterminated escape");
		switch (*j->p++) {
		case '"': emit(j, '"'); break;
		case '\\': emit(j, '\\'); break;
		case '/': emit(j, '/'); break;
		case 'b': emit(j, '\b'); break;
		case 'f': emit(j, '\f'); break;
		case 'n': emit(j, '\n'); break;
		case 'r': emit(j, '\r'); break;
		case 't': emit(j, '\t'); break;
		case 'u': {
			uint32_t lo;

			if (hex4(j, &cp))
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(j, "lone low surrogate \\u%04x", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
					return fail(j, "high surrogate without a low one");
				j->p += 2;
				if (hex4(j, &lo))
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(j, "high surrogate without a low one");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			emit(j, cp);
			break;
		}
		default:
			return fail(j, "invalid escape \\%c", j->p[-1]);
		}
	}
}

static int digits(struct jp *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : fail(j, "a digit expected");
}

static int number(struct jp *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (digits(j))
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (digits(j))
			return -1;
	}
	return 0;
}

static int literal(struct jp *j, const char *word)
{
	size_t n = __builtin_strlen(word);

	if ((size_t)(j->end - j->p) < n || __builtin_memcmp(j->p, word, n))
		return fail(j, "invalid literal");
	j->p += n;
	return 0;
}

static int value(struct jp *j, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(j, "nested too deep");
	ws(j);
	if (j->p >= j->end)
		return fail(j, "a value expected");
	switch (*j->p) {
	case '"':
		return string(j);
	case '{':
		j->p++;
		ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		for (;;) {
			ws(j);
			if (j->p >= j->end || *j->p != '"')
				return fail(j, "a member name expected");
			if (string(j))
				return -1;
			ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return fail(j, "':' expected");
			if (value(j, depth + 1))
				return -1;
			ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == '}') {
				j->p++;
				return 0;
			}
			return fail(j, "',' or '}' expected");
		}
	case '[':
		j->p++;
		ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		for (;;) {
			if (value(j, depth + 1))
				return -1;
			ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == ']') {
				j->p++;
				return 0;
			}
			return fail(j, "',' or ']' expected");
		}
	case 't':
		return literal(j, "true");
	case 'f':
		return literal(j, "false");
	case 'n':
		return literal(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return number(j);
		return fail(j, "unexpected byte 0x%02x", *j->p);
	}
}

static int check(struct jp *j, const char *text, size_t len, int want_string)
{
	const unsigned char *start = (const unsigned char *)text;
	int rc;

	j->p = start;
	j->end = start + len;
	ws(j);
	if (want_string && (j->p >= j->end || *j->p != '"'))
		return fail(j, "a string expected");
	rc = value(j, 0);
	if (!rc) {
		ws(j);
		if (j->p != j->end)
			rc = fail(j, "trailing bytes after the value");
	}
	if (rc && j->why_len) {
		char reason[200], near[64];
		size_t at = (size_t)(j->p - start), from = at > 24 ? at - 24 : 0, i, n = 0;

		for (i = from; i < len && n + 1 < sizeof(near); i++)
			near[n++] = start[i] >= 0x20 && start[i] < 0x7f ? (char)start[i] : '.';
		near[n] = 0;
		snprintf(reason, sizeof(reason), "%s", j->why);
		snprintf(j->why, j->why_len, "byte %zu: %s, near \"%s\"", at, reason, near);
	}
	return rc;
}

int json_check(const char *text, size_t len, char *why, size_t why_len)
{
	struct jp j = { .why = why, .why_len = why_len };

	return check(&j, text, len, 0);
}

int json_check_string(const char *text, size_t len, uint32_t *cps, size_t max, size_t *nr,
		      char *why, size_t why_len)
{
	struct jp j = { .why = why, .why_len = why_len, .cps = cps, .max = max };
	int rc = check(&j, text, len, 1);

	*nr = j.nr;
	return rc;
}
