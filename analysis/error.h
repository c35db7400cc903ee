/*
 * error.h - errors as values.
 *
 * Functions of the analysis library never print and never exit: a function that can fail
 * returns a struct ms_error * (NULL on success) and the caller, usually the crash adapter,
 * decides how to report it.  Free an error with ms_error_free().
 */
#ifndef MEMSIM_ERROR_H
#define MEMSIM_ERROR_H

enum ms_error_code {
	MS_ERR_NOMEM = 1,	/* an allocation failed */
	MS_ERR_INVALID,		/* a caller passed something that cannot be used */
	MS_ERR_IO,		/* a file could not be read or written */
	MS_ERR_DWARF,		/* debuginfo missing or unreadable */
	MS_ERR_LIMIT,		/* a configured memory bound would be exceeded */
};

struct ms_error {
	enum ms_error_code code;
	char message[256];
};

/* Make an error with a printf-style message; never returns NULL (a static one on ENOMEM). */
struct ms_error *ms_error_new(enum ms_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Free an error made by ms_error_new(); NULL is fine. */
void ms_error_free(struct ms_error *err);

#endif
