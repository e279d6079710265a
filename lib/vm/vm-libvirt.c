// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-private.h"

/* Attribute values and text: the five characters XML reserves. */
static void put_escaped(FILE *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&':
			fprintf(b, "&amp;");
			break;
		case '<':
			fprintf(b, "&lt;");
			break;
		case '>':
			fprintf(b, "&gt;");
			break;
		case '\'':
			fprintf(b, "&apos;");
			break;
		case '"':
			fprintf(b, "&quot;");
			break;
		default:
			fputc(*s, b);
		}
}

static void put_features(FILE *b, const struct vfk_vm *vm, bool domain)
{
	bool smm = vm->uefi && vm->fw.requires_smm;

	if (!domain && !vm->hv_vendor_id && !smm)
		return;
	if (!domain)
		fprintf(b, "  <!-- into the domain's <features> -->\n");
	fprintf(b, "  <features>\n");
	if (domain)
		fprintf(b, "    <acpi/>\n    <apic/>\n");
	if (vm->hv_vendor_id)
		fprintf(b,
			"    <hyperv mode='custom'>\n      <vendor_id state='on' value='%s'/>\n"
			"    </hyperv>\n    <kvm>\n      <hidden state='on'/>\n    </kvm>\n",
			vm->hv_vendor_id);
	if (smm)
		fprintf(b, "    <smm state='on'/>\n");
	fprintf(b, "  </features>\n");
}

static void put_hostdev(FILE *b, const struct vm_dev *d, unsigned int flags)
{
	const struct vfk_addr *a = vfk_device_get_addr(d->dev);

	fprintf(b, "    <hostdev mode='subsystem' type='pci' managed='%s'>\n",
		flags & VFK_VM_XML_MANAGED ? "yes" : "no");
	fprintf(b, "      <driver name='vfio'/>\n");
	fprintf(b,
		"      <source>\n        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
		"function='0x%x'/>\n      </source>\n",
		a->domain, a->bus, a->dev, a->fn);
	if (d->rom) {
		fprintf(b, "      <rom file='");
		put_escaped(b, d->rom);
		fprintf(b, "'/>\n");
	}
	/* Root port N of the layout is bus N+1: controller 0 is pcie-root. */
	fprintf(b,
		"      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
		"function='0x%x'%s/>\n",
		d->slot + 1, d->fn, d->multifunction ? " multifunction='on'" : "");
	fprintf(b, "    </hostdev>\n");
}

static void put_os(FILE *b, const struct vfk_vm *vm)
{
	fprintf(b, "  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n");
	if (vm->uefi) {
		fprintf(b, "    <loader readonly='yes'%s type='pflash'>",
			vm->fw.requires_smm ? " secure='yes'" : "");
		put_escaped(b, vm->fw.code);
		fprintf(b, "</loader>\n    <nvram template='");
		put_escaped(b, vm->fw.vars);
		fprintf(b, "'>/var/lib/libvirt/qemu/nvram/%s_VARS.fd</nvram>\n", vm->name);
	}
	fprintf(b, "  </os>\n");
}

VFK_EXPORT int vfk_vm_get_libvirt_xml(const struct vfk_vm *vm, unsigned int flags, char **ret)
{
	bool domain = flags & VFK_VM_XML_DOMAIN;
	char *text = NULL;
	size_t len = 0;
	FILE *b;

	assert_return(vm && ret, -EINVAL);
	assert_return(vm->checked, -ESTALE);
	b = open_memstream(&text, &len);
	if (!b)
		return -ENOMEM;
	if (!domain)
		fprintf(b,
			"<!-- vfiokit: libvirt XML for guest '%s'. Merge each part into the domain "
			"(virsh edit %s); the pcie-root-port controllers take indexes 1 to %zu, so "
			"renumber them and the hostdevs' bus if the domain already uses those. "
			"-->\n",
			vm->name, vm->name, vm->n_slots);
	fprintf(b, "<domain type='%s'>\n", vm->accel_used == VFK_VM_ACCEL_KVM ? "kvm" : "qemu");
	if (domain) {
		fprintf(b, "  <name>%s</name>\n  <memory unit='MiB'>%" PRIu64 "</memory>\n",
			vm->name, vm->mib);
		if (vm->hugepages)
			fprintf(b, "  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n");
		fprintf(b, "  <vcpu>%u</vcpu>\n", vm->cpus);
		put_os(b, vm);
	}
	put_features(b, vm, domain);
	if (domain && vm->accel_used == VFK_VM_ACCEL_KVM)
		fprintf(b, "  <cpu mode='host-passthrough'/>\n");
	if (!domain)
		fprintf(b, "  <!-- into the domain's <devices> -->\n");
	fprintf(b, "  <devices>\n");
	for (size_t s = 0; s < vm->n_slots; s++)
		fprintf(b, "    <controller type='pci' index='%zu' model='pcie-root-port'/>\n",
			s + 1);
	for (unsigned int s = 0; s < vm->n_slots; s++)
		for (unsigned int fn = 0; fn < 8; fn++)
			for (size_t i = 0; i < vm->n_devs; i++)
				if (vm->devs[i].slot == s && vm->devs[i].fn == fn)
					put_hostdev(b, &vm->devs[i], flags);
	fprintf(b, "  </devices>\n</domain>\n");
	if (fclose(b) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}
