/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Each object the family reports, as a table of its attributes: how to
 * name and show each one.  Every command prints through these tables.
 */
#ifndef ZCCTL_FIELDS_H
#define ZCCTL_FIELDS_H

#include <netlink/attr.h>

enum field_type {
	FIELD_U32,
	FIELD_U64,
	FIELD_S32,
	FIELD_STRING,
	FIELD_FLAG,
	FIELD_SWITCH,		/* u8: on or off */
	FIELD_STATE,		/* enum zcopy_transfer_state */
	FIELD_DEV,		/* major:minor */
	FIELD_SQE_FLAGS,	/* ZCOPY_F_* */
	FIELD_ERRNO,		/* -errno */
};

struct field {
	int attr;
	const char *key;	/* JSON name; text shows '_' as ' ' */
	enum field_type type;
};

struct object {
	int maxattr;
	const struct field *fields;
	int nr_fields;
};

extern const struct object stats_object;
extern const struct object config_object;
extern const struct object context_object;
extern const struct object transfer_object;

/* Print the fields of @obj present in @tb, inside the current object. */
void print_fields(const struct object *obj, struct nlattr **tb);

/* A numeric attribute of any width, 0 if absent. */
uint64_t attr_uint(const struct nlattr *a);

#endif /* ZCCTL_FIELDS_H */
