/*
 * unit.h - how unit test files join the CUnit run.
 *
 * Each tests/unit/test_<module>.c defines its suite with MS_UNIT_SUITE(name, tests): a
 * constructor adds it to the list that main.c runs, so adding a test file needs no edit
 * anywhere else.
 */
#ifndef MEMSIM_UNIT_H
#define MEMSIM_UNIT_H

#include <CUnit/CUnit.h>

struct ms_unit_suite {
	const char *name;
	CU_TestInfo *tests;
	struct ms_unit_suite *next;
};

void ms_unit_add_suite(struct ms_unit_suite *suite);

#define MS_UNIT_SUITE(sname, tests_array)                                                          \
	static struct ms_unit_suite ms_unit_suite_##sname = { #sname, tests_array, 0 };            \
	__attribute__((constructor)) static void ms_unit_register_##sname(void)                   \
	{                                                                                          \
		ms_unit_add_suite(&ms_unit_suite_##sname);                                         \
	}

#endif
