// SPDX-License-Identifier: GPL-2.0
/* Median and spread of a point's repeats; percentiles of latencies. */
#include <stdlib.h>

#include "zcbench.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double zcb_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Half the range, relative to the median: "x +- spread". */
double zcb_spread(double *v, int n)
{
	double m = zcb_median(v, n);

	return m ? (v[n - 1] - v[0]) / 2 / m : 0;
}

/* The nearest-rank P-quantile (0 < P <= 1) of N values, sorted in place. */
double zcb_percentile(double *v, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp);
	rank = (size_t)(p * n);
	if (rank < p * n)
		rank++;		/* the rank is p * n rounded up */
	return v[rank ? rank - 1 : 0];
}
