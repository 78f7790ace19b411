// SPDX-License-Identifier: GPL-2.0
/*
 * zcctl monitor: follow the "events" group, one object per event.
 */
#include <stdio.h>
#include <string.h>

#include <linux/zcopy.h>

#include "fields.h"
#include "nl.h"
#include "out.h"
#include "zcctl.h"

struct monitor {
	unsigned long long left;	/* events still to show; 0: forever */
};

/* Events of every kind share one attribute space for parsing. */
#define EVENT_MAXATTR	((int)ZCOPY_A_TRANSFER_MAX > (int)ZCOPY_A_CONFIG_MAX ? \
			 (int)ZCOPY_A_TRANSFER_MAX : (int)ZCOPY_A_CONFIG_MAX)

static int monitor_event(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct monitor *m = arg;
	const struct object *obj;
	const char *name, *json_name;

	switch (cmd) {
	case ZCOPY_CMD_CONFIG_NTF:
		name = "config changed";
		json_name = "config-changed";
		obj = &config_object;
		break;
	case ZCOPY_CMD_TRANSFER_FAILED:
		name = "transfer failed";
		json_name = "transfer-failed";
		obj = &transfer_object;
		break;
	default:
		return 0;	/* from a newer module: not ours to show */
	}
	out_object_begin(name);
	if (out_is_json())
		out_str("event", json_name);
	print_fields(obj, tb);
	out_object_end();
	if (m->left && !--m->left)
		return 1;
	return 0;
}

/* monitor [count N] */
int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	struct zc_nl nl;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "count")) {
		if (parse_u64(argv[2], &m.left, 0) || !m.left)
			return usage_error(argv[0], "invalid count '%s'", argv[2]);
	} else if (argc != 1) {
		return usage_error(argv[0], "unexpected argument '%s'", argv[1]);
	}
	if (zc_nl_open(&nl))
		return 1;
	ret = zc_nl_listen(&nl, EVENT_MAXATTR, monitor_event, &m);
	if (ret)
		report_error("monitor", ret, &nl);
	zc_nl_close(&nl);
	return ret ? 1 : 0;
}
