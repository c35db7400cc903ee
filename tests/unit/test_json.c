/*
 * test_json.c - the JSON report parses (a strict little parser below builds a tree) and has
 * the documented structure; strings are escaped.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report_fixture.h"
#include "unit.h"

/* ---- a strict JSON parser into a small tree (RFC 8259, no extensions) ---- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt type;
	double num;
	int boolean;
	char *str;		/* J_STR: the decoded string */
	size_t n;		/* J_ARR, J_OBJ: members */
	char **keys;		/* J_OBJ */
	struct jv **items;
};

static void jv_free(struct jv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

static struct jv *parse_value(const char **p, int depth);

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static int hex4(const char *s, unsigned *out)
{
	int i;

	*out = 0;
	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
		*out = *out * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' :
				    tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return 1;
}

/* Decode a string; \uXXXX below 0x100 becomes that byte (enough for what we escape). */
static char *parse_string(const char **p)
{
	const char *s = *p + 1;
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;
	unsigned u;

	while (out && *s && *s != '"') {
		if ((unsigned char)*s < 0x20)
			goto bad;	/* raw control characters are not allowed */
		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		s++;
		if (strchr("\"\\/", *s))
			out[n++] = *s++;
		else if (*s == 'n' || *s == 't' || *s == 'r' || *s == 'b' || *s == 'f')
			out[n++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : ' ', s++;
		else if (*s == 'u' && hex4(s + 1, &u) && u < 0x100 && u)
			out[n++] = (char)u, s += 5;
		else
			goto bad;
	}
	if (!out || *s != '"')
		goto bad;
	out[n] = 0;
	*p = s + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static int parse_number(const char **p, double *num)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s) || (*s == '0' && isdigit((unsigned char)s[1])))
		return 0;
	*num = strtod(*p, (char **)p);
	return 1;
}

static int add_item(struct jv *v, char *k, struct jv *item)
{
	char **keys = v->type == J_OBJ ? realloc(v->keys, (v->n + 1) * sizeof(*keys)) : NULL;
	struct jv **items = realloc(v->items, (v->n + 1) * sizeof(*items));

	if (keys)
		v->keys = keys;
	if (items)
		v->items = items;
	if (!items || (v->type == J_OBJ && !keys))
		return 0;
	if (keys)
		keys[v->n] = k;
	items[v->n++] = item;
	return 1;
}

static struct jv *parse_container(const char **p, int depth, enum jt type)
{
	struct jv *v = calloc(1, sizeof(*v));
	char close = type == J_OBJ ? '}' : ']';

	v->type = type;
	(*p)++;
	skip_ws(p);
	if (**p == close) {
		(*p)++;
		return v;
	}
	for (;;) {
		char *k = NULL;
		struct jv *item;

		skip_ws(p);
		if (type == J_OBJ) {
			if (**p != '"' || !(k = parse_string(p)))
				goto bad;
			skip_ws(p);
			if (*(*p)++ != ':')
				goto bad_key;
		}
		item = parse_value(p, depth + 1);
		if (!item || !add_item(v, k, item)) {
			jv_free(item);
			goto bad_key;
		}
		skip_ws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (*(*p)++ == close)
			return v;
		goto bad;
bad_key:
		free(k);
		goto bad;
	}
bad:
	jv_free(v);
	return NULL;
}

static struct jv *parse_value(const char **p, int depth)
{
	struct jv *v;

	skip_ws(p);
	if (depth > 64)
		return NULL;
	if (**p == '{' || **p == '[')
		return parse_container(p, depth, **p == '{' ? J_OBJ : J_ARR);
	v = calloc(1, sizeof(*v));
	if (**p == '"' && (v->str = parse_string(p)))
		v->type = J_STR;
	else if (!strncmp(*p, "true", 4) || !strncmp(*p, "false", 5)) {
		v->type = J_BOOL;
		v->boolean = **p == 't';
		*p += v->boolean ? 4 : 5;
	} else if (!strncmp(*p, "null", 4)) {
		v->type = J_NULL;
		*p += 4;
	} else if (parse_number(p, &v->num))
		v->type = J_NUM;
	else {
		free(v);
		return NULL;
	}
	return v;
}

/* The whole text must be one value (and whitespace). */
static struct jv *parse(const char *text)
{
	const char *p = text;
	struct jv *v = parse_value(&p, 0);

	skip_ws(&p);
	if (v && *p) {
		jv_free(v);
		return NULL;
	}
	return v;
}

/* Look up "a.b.0.c"; NULL if any step is missing. */
static const struct jv *get(const struct jv *v, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); v && tok; tok = strtok_r(NULL, ".", &save)) {
		const struct jv *next = NULL;
		size_t i;

		if (v->type == J_ARR && isdigit((unsigned char)*tok) &&
		    (size_t)atoi(tok) < v->n)
			next = v->items[atoi(tok)];
		for (i = 0; v->type == J_OBJ && i < v->n; i++)
			if (!strcmp(v->keys[i], tok))
				next = v->items[i];
		v = next;
	}
	return v;
}

static double num(const struct jv *root, const char *path)
{
	const struct jv *v = get(root, path);

	return v && v->type == J_NUM ? v->num : -1;
}

static const char *str(const struct jv *root, const char *path)
{
	const struct jv *v = get(root, path);

	return v && v->type == J_STR ? v->str : "(none)";
}

static int is_hex64(const char *s)
{
	size_t i;

	if (strncmp(s, "0x", 2) || strlen(s) != 18)
		return 0;
	for (i = 2; i < 18; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- the tests ---- */

static struct report_fixture fx;

static void test_parser_is_strict(void)
{
	static const char *const bad[] = {
		"{\"a\":1,}", "[1 2]", "{\"a\" 1}", "\"tab\there\"", "01", "{\"a\":1}x", "nul",
		"\"\\x41\"", "[", "{\"a\":tru}",
	};
	struct jv *v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = parse(bad[i]);
		CU_ASSERT_PTR_NULL(v);
		jv_free(v);
	}
	v = parse(" {\"a\":[1,-2.5e3,true,null,\"x\\\"y\"],\"b\":{}} \n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_DOUBLE_EQUAL(num(v, "a.1"), -2500, 1e-9);
	CU_ASSERT_STRING_EQUAL(str(v, "a.4"), "x\"y");
	jv_free(v);
}

static void test_structure(void)
{
	const struct ms_cluster *d;
	const struct jv *pat, *ex;
	char *text, want[64];
	struct jv *root;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	d = &fx.result->clusters[0];
	text = rf_render(ms_report_json, &fx.report);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/* One line: the only newline is the last character. */
	CU_ASSERT_EQUAL(strchr(text, '\n') - text, (long)strlen(text) - 1);
	root = parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(str(root, "schema"), "memsim-report");
	CU_ASSERT_EQUAL(num(root, "version"), 1);
	CU_ASSERT_STRING_EQUAL(str(root, "cache.name"), "kmalloc-32");
	CU_ASSERT_STRING_EQUAL(str(root, "cache.address"), "0xffff888003c41b00");
	CU_ASSERT_STRING_EQUAL(str(root, "cache.aliases.1"), "io_cache");
	CU_ASSERT_EQUAL(num(root, "counts.allocated"), RF_OBJECTS);
	CU_ASSERT_EQUAL(num(root, "counts.passes"), 1);
	CU_ASSERT_STRING_EQUAL(str(root, "verdict.kind"), "likely_leak");
	CU_ASSERT_DOUBLE_EQUAL(num(root, "verdict.share"), 0.75, 1e-6);
	CU_ASSERT_EQUAL(get(root, "clusters")->n, 5);	/* the report's top 5 */
	CU_ASSERT_EQUAL(num(root, "clusters.0.count"), RF_PLANTED);
	CU_ASSERT_DOUBLE_EQUAL(num(root, "clusters.0.fraction"), 0.75, 1e-6);
	CU_ASSERT_EQUAL(num(root, "clusters.0.bytes"), RF_PLANTED * 32);
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.state"), "allocated");
	pat = get(root, "clusters.0.pattern");
	CU_ASSERT_EQUAL_FATAL(pat ? pat->n : 0, 4);
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.0.kind"), "self");
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.2.kind"), "ktext");
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.2.arg"), "0xffffffffc0001230");
	CU_ASSERT_EQUAL(get(root, "clusters.0.pattern.2.constant")->boolean, 1);
	CU_ASSERT_EQUAL(get(root, "clusters.0.pattern.2.symbol")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "clusters.0.pattern.0.target")->type, J_NULL);
	CU_ASSERT_EQUAL(num(root, "clusters.0.pattern.3.offset"), 24);
	CU_ASSERT_DOUBLE_EQUAL(num(root, "clusters.0.pattern.3.agreement"), 0.998, 1e-6);
	ex = get(root, "clusters.0.examples");
	CU_ASSERT_EQUAL_FATAL(ex ? ex->n : 0, d->nr_examples);
	for (i = 0; i < ex->n; i++) {
		snprintf(want, sizeof(want), "0x%016" PRIx64, d->examples[i]);
		CU_ASSERT(is_hex64(ex->items[i]->str));
		CU_ASSERT_STRING_EQUAL(ex->items[i]->str, want);
	}
	CU_ASSERT_EQUAL(strlen(str(root, "clusters.0.representative.bytes")), 64);
	CU_ASSERT_EQUAL(num(root, "owner.cluster"), 1);
	CU_ASSERT_STRING_EQUAL(str(root, "owner.guesses.0.type"), "struct leak_obj");
	CU_ASSERT_STRING_EQUAL(str(root, "owner.guesses.0.evidence.1"),
			       "+0x10 fn ptr -> member \"cb\" (fn ptr)");
	snprintf(want, sizeof(want), "struct callback_head %016" PRIx64, d->rep_addr);
	CU_ASSERT_STRING_EQUAL(str(root, "owner.guesses.1.command"), want);
	jv_free(root);
	free(text);
	rf_teardown(&fx);
}

/* Resolution's symbols and targets appear; a report without parts still parses. */
static void test_targets_and_missing_parts(void)
{
	struct ms_report bare = { 0 };
	struct ms_word *w;
	struct jv *root;
	char *text;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	w = &fx.result->clusters[0].pattern.words[2];
	snprintf(w->symbol, sizeof(w->symbol), "leak_cb+0x0 [leakmod]");
	w = &fx.result->clusters[0].pattern.words[0];
	w->target = calloc(1, sizeof(*w->target));
	w->target->ndistinct = 1;
	w->target->shared_addr = 0xffff888000001000ULL;
	w->target->nr_words = 1;
	w->target->words = calloc(1, sizeof(struct ms_word));
	w->target->words[0].kind = MS_TOK_LIST_POISON;
	snprintf(w->target->cache_name, sizeof(w->target->cache_name), "bad\x01name\xe9");
	text = rf_render(ms_report_json, &fx.report);
	root = parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.2.symbol"), "leak_cb+0x0 [leakmod]");
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.0.target.shared_address"),
			       "0xffff888000001000");
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.0.target.words.0.kind"),
			       "list_poison");
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.pattern.0.target.cache"), "bad\x01name\xe9");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"bad\\u0001name\\u00e9\""));
	jv_free(root);
	free(text);
	rf_teardown(&fx);

	text = rf_render(ms_report_json, &bare);
	root = parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_EQUAL(get(root, "cache")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "counts")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "verdict")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "clusters")->n, 0);
	CU_ASSERT_EQUAL(get(root, "owner.cluster")->type, J_NULL);
	jv_free(root);
	free(text);
}

static void test_string_escaping(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	ms_json_string(out, "a\"b\\c\nd\te\x1f\x7f\xff/");
	ms_json_string(out, NULL);
	fclose(out);
	CU_ASSERT_STRING_EQUAL(text, "\"a\\\"b\\\\c\\nd\\te\\u001f\\u007f\\u00ff/\"\"\"");
	free(text);
}

/* The node-counter cross-check: counters only when read, the differences always. */
static void test_counter_notes(void)
{
	struct ms_cache_summary s;
	struct ms_report r;
	struct jv *root;
	char *text;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	r = fx.report;
	s = fx.summary;
	r.summary = &s;
	text = rf_render(ms_report_json, &r);
	root = text ? parse(text) : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_PTR_NULL(get(root, "cache.notes.node_slabs"));
	CU_ASSERT_EQUAL(num(root, "cache.notes.slabs_missing"), 0);
	jv_free(root);
	free(text);
	s.node_counters = 1;
	s.node_slabs = 52;
	s.node_objects = 6656;
	s.slabs_missing = 20;
	s.objects_missing = 2560;
	s.slabs_implausible = 4;
	s.slabs_extra = 0;
	s.cpu_slabs_missing = 1;
	text = rf_render(ms_report_json, &r);
	root = text ? parse(text) : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_EQUAL(num(root, "cache.notes.node_slabs"), 52);
	CU_ASSERT_EQUAL(num(root, "cache.notes.node_objects"), 6656);
	CU_ASSERT_EQUAL(num(root, "cache.notes.slabs_missing"), 20);
	CU_ASSERT_EQUAL(num(root, "cache.notes.objects_missing"), 2560);
	CU_ASSERT_EQUAL(num(root, "cache.notes.slabs_implausible"), 4);
	CU_ASSERT_EQUAL(num(root, "cache.notes.slabs_extra"), 0);
	CU_ASSERT_EQUAL(num(root, "cache.notes.cpu_slabs_missing"), 1);
	jv_free(root);
	free(text);
	rf_teardown(&fx);
}

/*
 * Found by fuzzing (fuzz_json): a number that is not finite came out as "-nan" or "inf",
 * which is not JSON.  The engine never makes one, but the writer's output must parse
 * whatever it is handed: such a number is null.
 */
static void test_non_finite_numbers(void)
{
	struct jv *root;
	char *text;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	fx.result->clusters[0].pattern.words[1].agree = -NAN;	/* the fuzzer's input */
	fx.result->clusters[0].fraction = INFINITY;
	fx.result->verdict_share = -INFINITY;
	fx.guesses[0].score = NAN;
	text = rf_render(ms_report_json, &fx.report);
	CU_ASSERT_PTR_NULL(strstr(text, "nan"));
	CU_ASSERT_PTR_NULL(strstr(text, "inf"));
	root = parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_EQUAL(get(root, "clusters.0.pattern.1.agreement")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "clusters.0.fraction")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "verdict.share")->type, J_NULL);
	CU_ASSERT_EQUAL(get(root, "owner.guesses.0.score")->type, J_NULL);
	CU_ASSERT_DOUBLE_EQUAL(num(root, "owner.guesses.0.margin"), 4.25, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(num(root, "owner.guesses.0.confidence"), 0.9625, 1e-9);
	jv_free(root);
	free(text);
	rf_teardown(&fx);
}

/* clusters[].owner: the ranked clusters' own guesses; none for a cluster not asked. */
static void test_cluster_owners(void)
{
	struct ms_cluster_owner *o;
	struct ms_report r;
	struct jv *root;
	char *text;

	CU_ASSERT_EQUAL_FATAL(rf_setup(&fx), 0);
	o = calloc(fx.result->nr_clusters, sizeof(*o));
	CU_ASSERT_FATAL(o && fx.result->nr_clusters >= 3);
	o[0].ranked = 1;
	o[0].nr_guesses = 2;
	memcpy(o[0].guesses, fx.guesses, sizeof(fx.guesses));
	o[1].ranked = 1;
	snprintf(o[1].note, sizeof(o[1].note), "too generic to decide");
	r = fx.report;
	r.owners = o;
	r.nr_owners = fx.result->nr_clusters;
	text = rf_render(ms_report_json, &r);
	root = parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.owner.guesses.0.type"), "struct leak_obj");
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.0.owner.guesses.1.command"),
			       str(root, "owner.guesses.1.command"));
	CU_ASSERT_EQUAL(get(root, "clusters.0.owner.note")->type, J_NULL);
	CU_ASSERT_STRING_EQUAL(str(root, "clusters.1.owner.note"), "too generic to decide");
	CU_ASSERT_EQUAL(get(root, "clusters.1.owner.guesses")->n, 0);
	CU_ASSERT_PTR_NULL(get(root, "clusters.2.owner"));
	jv_free(root);
	free(text);
	free(o);
	rf_teardown(&fx);
}

static CU_TestInfo json_tests[] = {
	{ "every ranked cluster's own owner guesses", test_cluster_owners },
	{ "node counter notes", test_counter_notes },
	{ "parser is strict", test_parser_is_strict },
	{ "structure", test_structure },
	{ "targets and missing parts", test_targets_and_missing_parts },
	{ "string escaping", test_string_escaping },
	{ "numbers not finite are null (fuzz)", test_non_finite_numbers },
	CU_TEST_INFO_NULL,
};

MS_UNIT_SUITE(json, json_tests)
