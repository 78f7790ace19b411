// SPDX-License-Identifier: GPL-2.0
/*
 * The read-only commands: stats, config (show), contexts, transfers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/zcopy.h>

#include "fields.h"
#include "nl.h"
#include "out.h"
#include "zcctl.h"

struct show {
	const struct object *obj;
	const char *title;	/* text heading of each entry, or NULL */
	int title_attr;		/* its id */
	int title_attr2;	/* and a second id (transfer: context/id) */
};

static int show_one(struct nlattr **tb, uint8_t cmd, void *arg)
{
	const struct show *s = arg;
	char title[64];

	(void)cmd;
	if (s->title && s->title_attr2)
		snprintf(title, sizeof(title), "%s %llu/%llu", s->title,
			 (unsigned long long)attr_uint(tb[s->title_attr]),
			 (unsigned long long)attr_uint(tb[s->title_attr2]));
	else if (s->title)
		snprintf(title, sizeof(title), "%s %llu", s->title,
			 (unsigned long long)attr_uint(tb[s->title_attr]));
	out_object_begin(s->title ? title : NULL);
	print_fields(s->obj, tb);
	out_object_end();
	return 0;
}

/* One request; a dump is printed as a list. */
static int show(const char *what, uint8_t nlcmd, int flags,
		const struct show *s, int context_filter)
{
	struct nl_msg *msg;
	struct zc_nl nl;
	int ret;

	if (zc_nl_open(&nl))
		return 1;
	msg = zc_nl_msg(&nl, nlcmd, flags);
	if (msg && context_filter &&
	    nla_put_u32(msg, ZCOPY_A_TRANSFER_CONTEXT_ID, context_filter)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (flags)
		out_list_begin();
	ret = zc_nl_call(&nl, msg, s->obj->maxattr, show_one, (void *)s);
	if (flags)
		out_list_end();
	if (ret)
		report_error(what, ret, &nl);
	zc_nl_close(&nl);
	return ret ? 1 : 0;
}

int cmd_stats(int argc, char **argv)
{
	static const struct show s = { .obj = &stats_object };

	(void)argc;
	(void)argv;
	return show("stats", ZCOPY_CMD_STATS_GET, 0, &s, 0);
}

int cmd_contexts(int argc, char **argv)
{
	static const struct show s = {
		.obj = &context_object,
		.title = "context",
		.title_attr = ZCOPY_A_CONTEXT_ID,
	};

	(void)argc;
	(void)argv;
	return show("contexts", ZCOPY_CMD_CONTEXT_GET, NLM_F_DUMP, &s, 0);
}

int cmd_transfers(int argc, char **argv)
{
	static const struct show s = {
		.obj = &transfer_object,
		.title = "transfer",
		.title_attr = ZCOPY_A_TRANSFER_CONTEXT_ID,
		.title_attr2 = ZCOPY_A_TRANSFER_ID,
	};
	unsigned long long id = 0;

	if (argc == 2 && (parse_u64(argv[1], &id, 0) || !id || id > UINT32_MAX))
		return usage_error(argv[0], "invalid context id '%s'", argv[1]);
	return show("transfers", ZCOPY_CMD_TRANSFER_GET, NLM_F_DUMP, &s,
		    (int)id);
}

static int cmd_config_show(void)
{
	static const struct show s = { .obj = &config_object };

	return show("config", ZCOPY_CMD_CONFIG_GET, 0, &s, 0);
}

static const struct config_key {
	const char *name;
	int attr;
	int bits;		/* 8: on or off; 32, 64: a number */
} config_keys[] = {
	{ "max-inflight", ZCOPY_A_CONFIG_MAX_INFLIGHT, 32 },
	{ "max-pinned", ZCOPY_A_CONFIG_MAX_PINNED, 64 },
	{ "max-user-sockets", ZCOPY_A_CONFIG_MAX_USER_SOCKETS, 32 },
	{ "submit-budget", ZCOPY_A_CONFIG_SUBMIT_BUDGET, 64 },
	{ "deferred-timeout-ms", ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS, 32 },
	{ "copy-mode", ZCOPY_A_CONFIG_COPY_MODE, 8 },
};

#define NR_CONFIG_KEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

static const struct config_key *config_key(const char *name)
{
	unsigned int k;

	for (k = 0; k < NR_CONFIG_KEYS; k++)
		if (!strcmp(name, config_keys[k].name))
			return &config_keys[k];
	return NULL;
}

/* A switch's value: on or off (1 or 0, as the kernel takes it). */
static int parse_switch(const char *s, unsigned long long *v)
{
	if (!strcmp(s, "on") || !strcmp(s, "1"))
		*v = 1;
	else if (!strcmp(s, "off") || !strcmp(s, "0"))
		*v = 0;
	else
		return -1;
	return 0;
}

static int parse_config_value(const struct config_key *key, const char *s,
			      unsigned long long *v)
{
	if (key->bits == 8)
		return parse_switch(s, v);
	if (parse_u64(s, v, key->bits == 64))
		return -1;
	return key->bits == 32 && *v > UINT32_MAX ? -1 : 0;
}

static int put_config_value(struct nl_msg *msg, const struct config_key *key,
			    unsigned long long v)
{
	if (key->bits == 8)
		return nla_put_u8(msg, key->attr, (uint8_t)v);
	if (key->bits == 32)
		return nla_put_u32(msg, key->attr, (uint32_t)v);
	return nla_put_u64(msg, key->attr, v);
}

/*
 * config set KEY VALUE [KEY VALUE]...  zcctl checks only that values are
 * numbers of the attribute's width, or on/off: the ranges are the
 * kernel's policy, and its extended ack says what they are.
 */
static int cmd_config_set(int argc, char **argv)
{
	int i, n = (argc - 1) / 2, ret;
	const struct config_key *keys[n ?: 1];
	unsigned long long values[n ?: 1];
	struct nl_msg *msg;
	struct zc_nl nl;

	if (argc < 3 || (argc - 1) % 2)
		return usage_error("config", "config set takes KEY VALUE pairs");
	for (i = 0; i < n; i++) {
		keys[i] = config_key(argv[1 + 2 * i]);
		if (!keys[i])
			return usage_error("config", "unknown key '%s'",
					   argv[1 + 2 * i]);
		if (parse_config_value(keys[i], argv[2 + 2 * i], &values[i]))
			return usage_error("config", "invalid value '%s' for %s",
					   argv[2 + 2 * i], argv[1 + 2 * i]);
	}
	if (zc_nl_open(&nl))
		return 1;
	msg = zc_nl_msg(&nl, ZCOPY_CMD_CONFIG_SET, 0);
	for (i = 0; msg && i < n; i++) {
		ret = put_config_value(msg, keys[i], values[i]);
		if (ret) {
			nlmsg_free(msg);
			msg = NULL;
		}
	}
	ret = zc_nl_call(&nl, msg, 0, NULL, NULL);
	if (ret)
		report_error("config set", ret, &nl);
	zc_nl_close(&nl);
	return ret ? 1 : 0;
}

int cmd_config(int argc, char **argv)
{
	if (argc == 1)
		return cmd_config_show();
	if (!strcmp(argv[1], "set"))
		return cmd_config_set(argc - 1, argv + 1);
	return usage_error(argv[0], "unknown config command '%s'", argv[1]);
}
