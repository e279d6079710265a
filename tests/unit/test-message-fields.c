// SPDX-License-Identifier: LGPL-2.1-or-later
/* The device, file and fix that --json's error document takes from a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "message-fields.h"

/* @got (a JSON string or NULL) is @want (a C string or NULL); @got is released. */
static void expect(json_object *got, const char *want)
{
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(json_object_get_string(got), want);
	json_object_put(got);
}

static void test_device(void **state)
{
	static const struct {
		const char *msg, *device;
	} cases[] = {
		{"0000:01:00.0: is the boot display", "0000:01:00.0"},
		{"sriov: 10000:e1:00.0 is on nvme", "10000:e1:00.0"},
		{"qemu: 0000:01:00.1 (on snd_hda_intel) shares it", "0000:01:00.1"},
		/* Short forms and the like are not the full address the key promises. */
		{"99:00.0: no such PCI device", NULL},
		{"name at least one device, e.g. 01:00.0", NULL},
		{"0000:01:00.8 is not a function", NULL},
		{"0000:01:00.0x", NULL},
		{"", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(message_device(cases[i].msg), cases[i].device);
}

static void test_file(void **state)
{
	static const struct {
		const char *msg, *file;
	} cases[] = {
		{"the journal /run/vfiokit/journal.json is damaged: ...",
		 "/run/vfiokit/journal.json"},
		{"cannot read /sys/bus/pci/devices/0000:01:00.0/config.",
		 "/sys/bus/pci/devices/0000:01:00.0/config"},
		{"no /dev/iommu: the kernel was built without it", "/dev/iommu"},
		{"(efifb in /proc/iomem)", "/proc/iomem"},
		{"ROM file `/tmp/a.rom` is short", "/tmp/a.rom"},
		/* "/" alone, and a slash inside a word (and/or, 2/3), name no file. */
		{"mounted on /", NULL},
		{"and/or 2/3 of them", NULL},
		{"nothing here", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(message_file(cases[i].msg), cases[i].file);
}

static void test_fix(void **state)
{
	static const struct {
		const char *msg, *fix;
	} cases[] = {
		{"0000:01:00.0 is on nvidia, not vfio-pci: run `vfiokit bind 0000:01:00.0`",
		 "vfiokit bind 0000:01:00.0"},
		{"qemu: 0000:01:00.0 is on nvidia (move it with: vfiokit bind 0000:01:00.0)",
		 "vfiokit bind 0000:01:00.0"},
		{"it goes dark (to do it anyway: --force-boot-vga)", "--force-boot-vga"},
		{"need 8 pages; reserve them first (echo 8 > /proc/x (or this))",
		 "echo 8 > /proc/x (or this)"},
		{"1536 bytes before the ROM; strip them: dd if=a of=b bs=1536 skip=1",
		 "dd if=a of=b bs=1536 skip=1"},
		/* An intro wins over a command quoted earlier as an example. */
		{"damaged. Nothing was changed. Repair what is named (`vfiokit list` shows it)",
		 "Repair what is named (`vfiokit list` shows it)"},
		{"unterminated `quote", NULL},
		{"no way out named", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(message_fix(cases[i].msg), cases[i].fix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_fix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
