// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute tables for the objects of the zcopy family.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <linux/zcopy.h>

#include "fields.h"
#include "generated/stats.h"
#include "out.h"

#define OBJECT(max, table) {					\
	.maxattr = (max),					\
	.fields = (table),					\
	.nr_fields = sizeof(table) / sizeof((table)[0]),	\
}

/* Every counter of the spec, named as it names them (make regen). */
#define STATS_FIELD(attr, key)	{ attr, key, FIELD_U64 },
static const struct field stats_fields[] = {
	ZCOPY_STATS(STATS_FIELD)
};
const struct object stats_object = OBJECT(ZCOPY_A_STATS_MAX, stats_fields);

static const struct field config_fields[] = {
	{ ZCOPY_A_CONFIG_MAX_INFLIGHT, "max_inflight", FIELD_U32 },
	{ ZCOPY_A_CONFIG_MAX_PINNED, "max_pinned", FIELD_U64 },
	{ ZCOPY_A_CONFIG_MAX_USER_SOCKETS, "max_user_sockets", FIELD_U32 },
	{ ZCOPY_A_CONFIG_SUBMIT_BUDGET, "submit_budget", FIELD_U64 },
	{ ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS, "deferred_timeout_ms", FIELD_U32 },
	{ ZCOPY_A_CONFIG_COPY_MODE, "copy_mode", FIELD_SWITCH },
};
const struct object config_object = OBJECT(ZCOPY_A_CONFIG_MAX, config_fields);

static const struct field context_fields[] = {
	{ ZCOPY_A_CONTEXT_ID, "id", FIELD_U32 },
	{ ZCOPY_A_CONTEXT_PID, "pid", FIELD_U32 },
	{ ZCOPY_A_CONTEXT_COMM, "command", FIELD_STRING },
	{ ZCOPY_A_CONTEXT_SOCKETS, "sockets", FIELD_U32 },
	{ ZCOPY_A_CONTEXT_INFLIGHT, "inflight", FIELD_U32 },
	{ ZCOPY_A_CONTEXT_PINNED, "pinned", FIELD_U64 },
	{ ZCOPY_A_CONTEXT_SUBMITTED, "submitted", FIELD_U64 },
	{ ZCOPY_A_CONTEXT_COMPLETED, "completed", FIELD_U64 },
	{ ZCOPY_A_CONTEXT_FAILED, "failed", FIELD_U64 },
	{ ZCOPY_A_CONTEXT_BYTES, "bytes", FIELD_U64 },
	{ ZCOPY_A_CONTEXT_CLOSED, "closed", FIELD_FLAG },
};
const struct object context_object = OBJECT(ZCOPY_A_CONTEXT_MAX,
					    context_fields);

static const struct field transfer_fields[] = {
	{ ZCOPY_A_TRANSFER_CONTEXT_ID, "context", FIELD_U32 },
	{ ZCOPY_A_TRANSFER_ID, "id", FIELD_U64 },
	{ ZCOPY_A_TRANSFER_USER_DATA, "user_data", FIELD_U64 },
	{ ZCOPY_A_TRANSFER_FLAGS, "flags", FIELD_SQE_FLAGS },
	{ ZCOPY_A_TRANSFER_SOCK_FD, "socket_fd", FIELD_S32 },
	{ ZCOPY_A_TRANSFER_FILE_DEV, "file_dev", FIELD_DEV },
	{ ZCOPY_A_TRANSFER_FILE_INO, "file_inode", FIELD_U64 },
	{ ZCOPY_A_TRANSFER_OFFSET, "offset", FIELD_U64 },
	{ ZCOPY_A_TRANSFER_LENGTH, "length", FIELD_U64 },
	{ ZCOPY_A_TRANSFER_DONE, "done", FIELD_U64 },
	{ ZCOPY_A_TRANSFER_STATE, "state", FIELD_STATE },
	{ ZCOPY_A_TRANSFER_ERROR, "error", FIELD_ERRNO },
};
const struct object transfer_object = OBJECT(ZCOPY_A_TRANSFER_MAX,
					     transfer_fields);

uint64_t attr_uint(const struct nlattr *a)
{
	uint64_t v64 = 0;
	uint32_t v32 = 0;

	if (!a)
		return 0;
	if (nla_len(a) == sizeof(v64)) {
		memcpy(&v64, nla_data(a), sizeof(v64));
		return v64;
	}
	if (nla_len(a) == sizeof(v32))
		memcpy(&v32, nla_data(a), sizeof(v32));
	if (nla_len(a) == sizeof(uint8_t))
		return nla_get_u8((struct nlattr *)a);
	return v32;
}

static const char *state_name(uint64_t state)
{
	static const char *const names[] = {
		[ZCOPY_TRANSFER_STATE_QUEUED] = "queued",
		[ZCOPY_TRANSFER_STATE_SENDING] = "sending",
		[ZCOPY_TRANSFER_STATE_RELEASING] = "releasing",
		[ZCOPY_TRANSFER_STATE_DONE] = "done",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] :
							  "unknown";
}

/* A transfer's ZCOPY_F_* flags, by name, in the uapi header's order. */
static const struct {
	uint32_t flag;
	const char *name;
} sqe_flag_names[] = {
	{ ZCOPY_F_RELEASE, "release" },
	{ ZCOPY_F_DONTCACHE, "dontcache" },
	{ ZCOPY_F_INDEPENDENT, "independent" },
	{ ZCOPY_F_BUFFER, "buffer" },
	{ ZCOPY_F_LINK, "link" },
	{ ZCOPY_F_GROUP, "group" },
};
#define NR_SQE_FLAG_NAMES (sizeof(sqe_flag_names) / sizeof(sqe_flag_names[0]))

static void print_sqe_flags(const char *key, uint64_t flags)
{
	const char *names[NR_SQE_FLAG_NAMES + 1];
	unsigned int i;
	int n = 0;

	for (i = 0; i < NR_SQE_FLAG_NAMES; i++)
		if (flags & sqe_flag_names[i].flag)
			names[n++] = sqe_flag_names[i].name;
	if (flags & ~(uint64_t)ZCOPY_F_ALL)
		names[n++] = "unknown";
	out_strs(key, names, n);
}

static void print_errno(const char *key, int32_t err)
{
	const char *name = strerrorname_np(-err);
	char text[128];

	if (out_is_json()) {
		out_s64("errno", -err);
		out_str(key, name ? name : "unknown");
		return;
	}
	snprintf(text, sizeof(text), "%s (%s)", name ? name : "?",
		 strerror(-err));
	out_str(key, text);
}

static void print_field(const struct field *f, const struct nlattr *a)
{
	char dev[32];
	uint64_t v = attr_uint(a);

	switch (f->type) {
	case FIELD_U32:
	case FIELD_U64:
		out_u64(f->key, v);
		break;
	case FIELD_S32:
		out_s64(f->key, (int32_t)v);
		break;
	case FIELD_STRING:
		out_str(f->key, nla_get_string((struct nlattr *)a));
		break;
	case FIELD_FLAG:
		out_bool(f->key, true);
		break;
	case FIELD_SWITCH:
		if (out_is_json())
			out_bool(f->key, v);
		else
			out_str(f->key, v ? "on" : "off");
		break;
	case FIELD_STATE:
		out_str(f->key, state_name(v));
		break;
	case FIELD_DEV:
		snprintf(dev, sizeof(dev), "%u:%u", major(v), minor(v));
		out_str(f->key, dev);
		break;
	case FIELD_SQE_FLAGS:
		print_sqe_flags(f->key, v);
		break;
	case FIELD_ERRNO:
		print_errno(f->key, (int32_t)v);
		break;
	}
}

void print_fields(const struct object *obj, struct nlattr **tb)
{
	const struct field *f;
	int i;

	for (i = 0; i < obj->nr_fields; i++) {
		f = &obj->fields[i];
		if (tb[f->attr])
			print_field(f, tb[f->attr]);
		else if (f->type == FIELD_FLAG)
			out_bool(f->key, false);
	}
}
