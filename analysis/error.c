/* error.c - errors as values; see error.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

static struct ms_error ms_error_oom = { MS_ERR_NOMEM, "out of memory" };

struct ms_error *ms_error_new(enum ms_error_code code, const char *fmt, ...)
{
	struct ms_error *err = malloc(sizeof(*err));
	va_list ap;

	if (!err)
		return &ms_error_oom;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return err;
}

void ms_error_free(struct ms_error *err)
{
	if (err && err != &ms_error_oom)
		free(err);
}
