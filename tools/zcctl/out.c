// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output.  JSON strings are escaped per RFC 8259; text
 * aligns values in a column so blocks read like wg show.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "out.h"

#define TEXT_KEY_WIDTH	16
#define MAX_DEPTH	8

static enum out_mode mode;
static int depth;			/* open JSON containers */
static bool first[MAX_DEPTH];		/* nothing written in it yet */
static bool text_indent;		/* inside a titled text block */
static bool text_list_started;

void out_init(enum out_mode m)
{
	mode = m;
}

bool out_is_json(void)
{
	return mode != OUT_TEXT;
}

static void json_newline(void)
{
	int i;

	if (mode != OUT_JSON_PRETTY)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void json_string(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* Separator and indentation before a new element of the container. */
static void json_element(void)
{
	if (depth && !first[depth - 1])
		putchar(',');
	if (depth)
		first[depth - 1] = false;
	if (depth)
		json_newline();
}

static void json_open(char c)
{
	json_element();
	putchar(c);
	if (depth < MAX_DEPTH)
		first[depth] = true;
	depth++;
}

static void json_close(char c)
{
	bool empty = depth <= MAX_DEPTH && first[depth - 1];

	depth--;
	if (!empty)
		json_newline();
	putchar(c);
	if (!depth)
		putchar('\n');
}

static void json_key(const char *key)
{
	json_element();
	json_string(key);
	fputs(mode == OUT_JSON_PRETTY ? ": " : ":", stdout);
}

static void text_key(const char *key)
{
	char label[64];
	size_t i;

	snprintf(label, sizeof(label), "%s:", key);
	for (i = 0; label[i]; i++)
		if (label[i] == '_')
			label[i] = ' ';
	printf("%s%-*s ", text_indent ? "  " : "", TEXT_KEY_WIDTH, label);
}

void out_list_begin(void)
{
	if (out_is_json())
		json_open('[');
	text_list_started = false;
}

void out_list_end(void)
{
	if (out_is_json())
		json_close(']');
}

void out_object_begin(const char *title)
{
	if (out_is_json()) {
		json_open('{');
		return;
	}
	if (text_list_started)
		putchar('\n');
	text_list_started = true;
	if (title)
		printf("%s:\n", title);
	text_indent = title;
}

void out_object_end(void)
{
	if (out_is_json())
		json_close('}');
	text_indent = false;
	fflush(stdout);
}

void out_u64(const char *key, uint64_t value)
{
	if (out_is_json()) {
		json_key(key);
		printf("%" PRIu64, value);
		return;
	}
	text_key(key);
	printf("%" PRIu64 "\n", value);
}

void out_s64(const char *key, int64_t value)
{
	if (out_is_json()) {
		json_key(key);
		printf("%" PRId64, value);
		return;
	}
	text_key(key);
	printf("%" PRId64 "\n", value);
}

void out_str(const char *key, const char *value)
{
	if (out_is_json()) {
		json_key(key);
		json_string(value);
		return;
	}
	text_key(key);
	printf("%s\n", value);
}

void out_bool(const char *key, bool value)
{
	if (out_is_json()) {
		json_key(key);
		fputs(value ? "true" : "false", stdout);
		return;
	}
	text_key(key);
	printf("%s\n", value ? "yes" : "no");
}

void out_strs(const char *key, const char *const *values, int n)
{
	int i;

	if (out_is_json()) {
		json_key(key);
		putchar('[');
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			json_string(values[i]);
		}
		putchar(']');
		return;
	}
	text_key(key);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", values[i]);
	printf("%s\n", n ? "" : "none");
}
