/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output as aligned "key: value" blocks (like wg show) or as JSON (like
 * ip -j), through one set of calls, so that every command has both.
 */
#ifndef ZCCTL_OUT_H
#define ZCCTL_OUT_H

#include <stdbool.h>
#include <stdint.h>

enum out_mode {
	OUT_TEXT,
	OUT_JSON,
	OUT_JSON_PRETTY,
};

void out_init(enum out_mode mode);
bool out_is_json(void);

/* A JSON array; in text, objects in it are separated by a blank line. */
void out_list_begin(void);
void out_list_end(void);

/* A JSON object; in text, @title (if any) heads an indented block. */
void out_object_begin(const char *title);
void out_object_end(void);

/* @key is the JSON name; text shows it with '_' as ' '. */
void out_u64(const char *key, uint64_t value);
void out_s64(const char *key, int64_t value);
void out_str(const char *key, const char *value);
void out_bool(const char *key, bool value);
/* A JSON array of strings; text joins them with ',' ("none" if empty). */
void out_strs(const char *key, const char *const *values, int n);

#endif /* ZCCTL_OUT_H */
