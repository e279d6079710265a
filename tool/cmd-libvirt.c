// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "macro.h"
#include "output.h"
#include "vm-options.h"

enum {
	OPT_DOMAIN = OPT_FIRST_FREE,
	OPT_UNMANAGED,
};

static void help(void)
{
	print_help(
		"Usage: vfiokit libvirt [OPTIONS] DEVICE...\n\n"
		"Print libvirt domain XML for a guest that owns the devices: a <hostdev> for\n"
		"each, on one pcie-root-port per slot with a GPU's functions kept together, and\n"
		"the <features> for a hidden hypervisor. Without --domain these are the pieces\n"
		"to merge into an existing domain (virsh edit NAME). Nothing changes.\n\n"
		"Options:\n" VM_OPTIONS_HELP
		"  --domain                a whole domain for virsh define, with memory, CPUs\n"
		"                          and firmware\n"
		"  --unmanaged             managed='no': the devices stay where vfiokit bind or\n"
		"                          persist put them (default: libvirt moves them)\n"
		"  -h, --help              show this help\n\n"
		"Exit status: 0 printed, 1 refused, 2 usage error.");
}

static const struct option opts[] = {
	VM_LONG_OPTIONS,
	{"domain", no_argument, NULL, OPT_DOMAIN},
	{"unmanaged", no_argument, NULL, OPT_UNMANAGED},
	{"help", no_argument, NULL, 'h'},
	{},
};
static const char shortopts[] = "h";
static const struct vfk_opt_hint hints[] = {
	VM_OPTION_HINTS,
	{},
};

static int libvirt_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vm_request req = {};
	unsigned int flags = VFK_VM_XML_MANAGED;
	struct vfk_device **devices = NULL;
	struct vfk_vm *vm = NULL;
	char *detail = NULL, *xml = NULL;
	size_t n_devices = 0;
	int c, err, rc = EXIT_NOT_READY;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		int r = vm_parse_option(&req, "libvirt", c, optarg);

		if (r == EXIT_USAGE)
			return r;
		if (r)
			continue;
		switch (c) {
		case OPT_DOMAIN:
			flags |= VFK_VM_XML_DOMAIN;
			break;
		case OPT_UNMANAGED:
			flags &= ~(unsigned int)VFK_VM_XML_MANAGED;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("libvirt", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("libvirt", "name at least one device, e.g. 0000:01:00.0");
	if (output_is_json())
		return usage_error("libvirt", "the output is XML; --json does not apply");
	err = resolve_devices(ctx, argc - optind, argv + optind, &devices, &n_devices);
	if (err)
		return err;
	err = vm_build(ctx, &req, "libvirt", devices, n_devices, &vm);
	if (err) {
		rc = err;
		goto out;
	}
	/* Managed: libvirt itself moves the devices when the guest starts. */
	err = vfk_vm_check(vm, flags & VFK_VM_XML_MANAGED ? VFK_VM_CHECK_UNBOUND_OK : 0, &detail);
	if (err >= 0)
		err = vfk_vm_get_libvirt_xml(vm, flags, &xml);
	if (err < 0) {
		if (detail)
			log_lines("libvirt: ", detail);
		else
			log_error("libvirt: %s", strerror(-err));
		goto out;
	}
	vm_print_warnings(vm);
	print_text("%s", xml);
	rc = EXIT_OK;
out:
	free(xml);
	free(detail);
	vfk_vm_unref(vm);
	vfk_device_list_free(devices, n_devices);
	return rc;
}

const struct vfk_cmd vfk_cmd_libvirt = {
	.name = "libvirt",
	.run = libvirt_run,
	.help = "Print libvirt domain XML for a guest that owns the devices",
	.options = opts,
	.shortopts = shortopts,
	.hints = hints,
	.operands = ARG_DEVICE,
};
