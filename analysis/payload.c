/* payload.c - the integer field that counts the data after a header; see payload.h. */
#include <stdlib.h>
#include <string.h>

#include "payload.h"

static uint32_t data_end(const uint8_t *o, uint32_t size)
{
	uint32_t e = size;

	while (e && !o[e - 1])
		e--;
	return e;
}

static uint64_t read_le(const uint8_t *p, uint32_t width)
{
	uint64_t v = 0;
	uint32_t k;

	for (k = width; k; k--)
		v = v << 8 | p[k - 1];
	return v;
}

/* The most frequent of @n values (the smallest among equals), and how often, into *@count. */
static uint32_t mode(const uint32_t *v, size_t n, uint32_t *count)
{
	uint32_t best = 0, best_n = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		uint32_t c = 0;

		for (j = 0; j < n; j++)
			c += v[j] == v[i];
		if (c > best_n || (c == best_n && v[i] < best)) {
			best = v[i];
			best_n = c;
		}
	}
	*count = best_n;
	return best;
}

static int is_text(const uint8_t *p, uint32_t from, uint32_t to)
{
	for (; from < to; from++)
		if (!((p[from] >= 0x20 && p[from] < 0x7f) || p[from] == '\t' || p[from] == '\n'))
			return 0;
	return 1;
}

static int holds(uint32_t matched, size_t n)
{
	return matched >= 3 && (uint64_t)matched * 10 >= (uint64_t)n * 9;
}

/* Add @f to @out, or its width to the field it repeats; keep the best when full. */
static void keep(struct ms_payload *out, const struct ms_length_field *f)
{
	struct ms_length_field *worst = NULL;
	uint32_t i;

	for (i = 0; i < out->nr_fields; i++) {
		struct ms_length_field *g = &out->fields[i];

		if (g->offset == f->offset && g->header_end == f->header_end && g->slot == f->slot &&
		    g->min == f->min && g->max == f->max) {
			g->widths |= f->widths;
			return;
		}
	}
	if (out->nr_fields < MS_PAYLOAD_MAX_FIELDS) {
		out->fields[out->nr_fields++] = *f;
		return;
	}
	/* full: a varying field displaces a constant one, then more matches win */
	for (i = 0; i < out->nr_fields; i++) {
		struct ms_length_field *g = &out->fields[i];

		if (!worst || (g->min != g->max) < (worst->min != worst->max) ||
		    ((g->min != g->max) == (worst->min != worst->max) && g->matched < worst->matched))
			worst = g;
	}
	if ((f->min != f->max) > (worst->min != worst->max) ||
	    ((f->min != f->max) == (worst->min != worst->max) && f->matched > worst->matched))
		*worst = *f;
}

static void scan_field(const uint8_t *objs, size_t n, uint32_t size, const uint32_t *end,
		       uint32_t off, uint32_t width, uint32_t *implied, struct ms_payload *out)
{
	struct ms_length_field f = { .offset = off, .widths = 1u << (width - 1),
				     .sampled = (uint32_t)n };
	uint64_t first = read_le(objs + off, width), v;
	uint32_t h, count, valid = 0;
	int constant = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		v = read_le(objs + i * size + off, width);
		constant &= v == first;
		/* a positive length that fits the data: the header end it implies */
		implied[valid++] = v && v <= end[i] ? end[i] - (uint32_t)v : UINT32_MAX;
	}
	h = mode(implied, valid, &count);
	if (h != UINT32_MAX && h >= off + width && holds(count, n) && (!constant || first >= 4)) {
		f.header_end = h;
		f.matched = count;
		f.min = UINT64_MAX;
		for (i = 0; i < n; i++)
			if (implied[i] == h) {
				v = read_le(objs + i * size + off, width);
				f.text += is_text(objs + i * size, h, end[i]);
				f.min = v < f.min ? v : f.min;
				f.max = v > f.max ? v : f.max;
			}
		/* a constant value with data ends that agree fits any constant: only text tells */
		if (!constant || f.text == f.matched)
			keep(out, &f);
	}
	/* the slot size minus a header, past which every object has data */
	if (constant && first >= 16 && first < size && size - first >= off + width &&
	    size - first < out->end_min) {
		f.header_end = size - (uint32_t)first;
		f.slot = 1;
		f.matched = (uint32_t)n;
		f.min = f.max = first;
		f.text = 0;
		for (i = 0; i < n; i++)
			f.text += is_text(objs + i * size, f.header_end, end[i]);
		if (f.text == f.matched)
			keep(out, &f);
	}
}

void ms_payload_scan(const uint8_t *objs, size_t n, uint32_t size, struct ms_payload *out)
{
	static const uint32_t widths[] = { 8, 4, 2 };
	uint32_t end[MS_PAYLOAD_MAX_OBJECTS], implied[MS_PAYLOAD_MAX_OBJECTS], head, off;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	if (!objs || !n || !size)
		return;
	if (n > MS_PAYLOAD_MAX_OBJECTS)
		n = MS_PAYLOAD_MAX_OBJECTS;
	out->sampled = (uint32_t)n;
	out->end_min = UINT32_MAX;
	for (i = 0; i < n; i++) {
		end[i] = data_end(objs + i * size, size);
		out->end_min = end[i] < out->end_min ? end[i] : out->end_min;
		out->end_max = end[i] > out->end_max ? end[i] : out->end_max;
	}
	head = size < MS_PAYLOAD_HEAD ? size : MS_PAYLOAD_HEAD;
	for (k = 0; k < sizeof(widths) / sizeof(widths[0]); k++)
		for (off = 0; off + widths[k] <= head; off += widths[k])
			scan_field(objs, n, size, end, off, widths[k], implied, out);
}

void ms_pattern_payload(struct ms_pattern *p, const uint64_t *objects, size_t nr,
			const struct ms_env *env)
{
	uint32_t size = p ? p->object_size : 0;
	uint8_t *buf;
	size_t i, n = 0;

	if (!p)
		return;
	memset(&p->payload, 0, sizeof(p->payload));
	if (!objects || !nr || !env || !env->read || !size || size > MS_PAYLOAD_MAX_OBJECT)
		return;
	if (nr > MS_PAYLOAD_MAX_OBJECTS)
		nr = MS_PAYLOAD_MAX_OBJECTS;
	buf = malloc(nr * size);
	if (!buf)
		return;
	for (i = 0; i < nr; i++) {
		if (env->interrupted && env->interrupted(env->ctx))
			break;
		if (env->read(env->ctx, objects[i], buf + n * size, size))
			n++;
	}
	ms_payload_scan(buf, n, size, &p->payload);
	free(buf);
}
