/*
 * main.c - the CUnit runner for the analysis library's unit tests.
 *
 * Usage: run_unit [SUITE]   (all suites when no name is given)
 * Exits nonzero when a test fails or a suite cannot be registered.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit.h"

static struct ms_unit_suite *suites;

void ms_unit_add_suite(struct ms_unit_suite *suite)
{
	struct ms_unit_suite **pos = &suites;

	/* Keep them sorted by name, so runs are in a stable order. */
	while (*pos && strcmp((*pos)->name, suite->name) < 0)
		pos = &(*pos)->next;
	suite->next = *pos;
	*pos = suite;
}

int main(int argc, char **argv)
{
	struct ms_unit_suite *s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (s = suites; s; s = s->next) {
		CU_SuiteInfo info[] = { { s->name, NULL, NULL, NULL, NULL, s->tests }, CU_SUITE_INFO_NULL };

		if (argc > 1 && strcmp(argv[1], s->name) != 0)
			continue;
		if (CU_register_suites(info) != CUE_SUCCESS) {
			fprintf(stderr, "cannot register suite %s: %s\n", s->name, CU_get_error_msg());
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "no test ran\n");
		failed = 1;
	}
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
