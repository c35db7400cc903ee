/* owner_confidence.c - how likely an owner guess is right, from the ranking; see owner.h. */
#include <math.h>

#include "owner.h"

double ms_owner_share(const double *scores, size_t n, size_t which, double temperature)
{
	double top = -INFINITY, sum = 0;
	size_t i;

	if (which >= n || !(temperature > 0))
		return 0;
	for (i = 0; i < n; i++)
		if (scores[i] > top)
			top = scores[i];
	if (!isfinite(top))
		return 0;
	/* shifted by the top score, so that no term overflows and the top one is exp(0) */
	for (i = 0; i < n; i++)
		if (isfinite(scores[i]))
			sum += exp((scores[i] - top) / temperature);
	if (!isfinite(scores[which]) || !(sum > 0))
		return 0;
	return exp((scores[which] - top) / temperature) / sum;
}

double ms_owner_ceiling(double words, double length, double hint)
{
	if (hint >= MS_OWNER_HINT_NAMES)
		return MS_OWNER_CEIL_HINT;
	if (words >= MS_OWNER_TYPED_WORDS)
		return MS_OWNER_CEIL_TYPED;
	if (words >= MS_OWNER_TYPED_WORD || length >= MS_OWNER_LENGTH_FIELD)
		return MS_OWNER_CEIL_SOME;
	return MS_OWNER_CEIL_PLAIN;
}
