// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "output.h"

#define CONTEXT 3

struct lines {
	const char **l;
	size_t *len, n;
};

static int split(const char *text, struct lines *ret)
{
	size_t cap = 16;

	*ret = (struct lines){};
	ret->l = malloc(cap * sizeof(*ret->l));
	ret->len = malloc(cap * sizeof(*ret->len));
	if (!ret->l || !ret->len)
		return -1;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (ret->n == cap) {
			cap *= 2;
			const char **l = realloc(ret->l, cap * sizeof(*l));
			size_t *len = realloc(ret->len, cap * sizeof(*len));

			if (l)
				ret->l = l;
			if (len)
				ret->len = len;
			if (!l || !len)
				return -1;
		}
		ret->l[ret->n] = p;
		ret->len[ret->n++] = n;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static bool eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->l[i], b->l[j], a->len[i]) == 0;
}

/* ops: ' ' both, '-' only in a, '+' only in b; with the line indexes. */
struct op {
	char kind;
	size_t i, j;
};

static void print_hunk(const struct op *ops, size_t from, size_t to, const struct lines *a,
		       const struct lines *b)
{
	size_t ai = SIZE_MAX, bj = SIZE_MAX, na = 0, nb = 0;

	for (size_t k = from; k < to; k++) {
		if (ops[k].kind != '+') {
			if (ai == SIZE_MAX)
				ai = ops[k].i;
			na++;
		}
		if (ops[k].kind != '-') {
			if (bj == SIZE_MAX)
				bj = ops[k].j;
			nb++;
		}
	}
	/* Unified format: an empty range is named by the line before it. */
	print_text("@@ -%zu,%zu +%zu,%zu @@\n", na ? ai + 1 : (from ? ops[from].i : 0), na,
		   nb ? bj + 1 : (from ? ops[from].j : 0), nb);
	for (size_t k = from; k < to; k++) {
		const struct lines *src = ops[k].kind == '+' ? b : a;
		size_t idx = ops[k].kind == '+' ? ops[k].j : ops[k].i;

		print_text("%c%.*s\n", ops[k].kind, (int)src->len[idx], src->l[idx]);
	}
}

int diff_print(const char *label, const char *now, const char *after)
{
	struct lines a = {}, b = {};
	unsigned int *lcs = NULL;
	struct op *ops = NULL;
	size_t n = 0, i = 0, j = 0;
	int err = -1;

	if (output_is_json())
		return 0;
	if (split(now, &a) < 0 || split(after, &b) < 0)
		goto out;
	lcs = calloc((a.n + 1) * (b.n + 1), sizeof(*lcs));
	ops = calloc(a.n + b.n + 1, sizeof(*ops));
	if (!lcs || !ops)
		goto out;
#define L(x, y) lcs[(x) * (b.n + 1) + (y)]
	for (size_t x = a.n; x-- > 0;)
		for (size_t y = b.n; y-- > 0;)
			L(x, y) = eq(&a, x, &b, y)
					  ? L(x + 1, y + 1) + 1
					  : (L(x + 1, y) > L(x, y + 1) ? L(x + 1, y) : L(x, y + 1));
	while (i < a.n || j < b.n) {
		if (i < a.n && j < b.n && eq(&a, i, &b, j))
			ops[n++] = (struct op){' ', i++, j++};
		else if (i < a.n && (j == b.n || L(i + 1, j) >= L(i, j + 1)))
			ops[n++] = (struct op){'-', i++, j};
		else
			ops[n++] = (struct op){'+', i, j++};
	}
#undef L
	print_text("--- %s%s\n+++ %s%s\n", now ? label : "/dev/null", now ? " (now)" : "",
		   after ? label : "/dev/null", after ? " (after)" : "");
	for (size_t k = 0; k < n;) {
		size_t start, end, last;

		if (ops[k].kind == ' ') {
			k++;
			continue;
		}
		start = k > CONTEXT ? k - CONTEXT : 0;
		for (; start < k && ops[start].kind != ' '; start++)
			;
		/* Extend over changes closer than twice the context to each other. */
		last = k;
		for (end = k; end < n; end++) {
			if (ops[end].kind != ' ')
				last = end;
			else if (end - last > 2 * CONTEXT)
				break;
		}
		end = last + 1 + CONTEXT < n ? last + 1 + CONTEXT : n;
		print_hunk(ops, start, end, &a, &b);
		k = end;
	}
	err = 0;
out:
	free(a.l);
	free(a.len);
	free(b.l);
	free(b.len);
	free(lcs);
	free(ops);
	return err;
}
