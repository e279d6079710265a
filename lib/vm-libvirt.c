// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-private.h"

struct buf {
	char *s;
	size_t len;
	int err;
};

static void put(struct buf *b, const char *fmt, ...) _printf_(2, 3);
static void put(struct buf *b, const char *fmt, ...)
{
	char *chunk = NULL, *grown;
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vasprintf(&chunk, fmt, ap);
	va_end(ap);
	grown = n < 0 ? NULL : realloc(b->s, b->len + (size_t)n + 1);
	if (!grown) {
		free(chunk);
		b->err = -ENOMEM;
		return;
	}
	memcpy(grown + b->len, chunk, (size_t)n + 1);
	b->len += (size_t)n;
	b->s = grown;
	free(chunk);
}

/* Attribute values and text: the five characters XML reserves. */
static void put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&':
			put(b, "&amp;");
			break;
		case '<':
			put(b, "&lt;");
			break;
		case '>':
			put(b, "&gt;");
			break;
		case '\'':
			put(b, "&apos;");
			break;
		case '"':
			put(b, "&quot;");
			break;
		default:
			put(b, "%c", *s);
		}
}

static void put_features(struct buf *b, const struct vfk_vm *vm, bool domain)
{
	bool smm = vm->uefi && vm->fw.requires_smm;

	if (!domain && !vm->hv_vendor_id && !smm)
		return;
	if (!domain)
		put(b, "  <!-- into the domain's <features> -->\n");
	put(b, "  <features>\n");
	if (domain)
		put(b, "    <acpi/>\n    <apic/>\n");
	if (vm->hv_vendor_id)
		put(b,
		    "    <hyperv mode='custom'>\n      <vendor_id state='on' value='%s'/>\n"
		    "    </hyperv>\n    <kvm>\n      <hidden state='on'/>\n    </kvm>\n",
		    vm->hv_vendor_id);
	if (smm)
		put(b, "    <smm state='on'/>\n");
	put(b, "  </features>\n");
}

static void put_hostdev(struct buf *b, const struct vfk_vm *vm, const struct vm_dev *d,
			unsigned int flags)
{
	const struct vfk_addr *a = vfk_device_get_addr(d->dev);

	put(b, "    <hostdev mode='subsystem' type='pci' managed='%s'>\n",
	    flags & VFK_VM_XML_MANAGED ? "yes" : "no");
	put(b, "      <driver name='vfio'/>\n");
	put(b,
	    "      <source>\n        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
	    "function='0x%x'/>\n      </source>\n",
	    a->domain, a->bus, a->dev, a->fn);
	if (d->rom) {
		put(b, "      <rom file='");
		put_escaped(b, d->rom);
		put(b, "'/>\n");
	}
	/* Root port N of the layout is bus N+1: controller 0 is pcie-root. */
	put(b,
	    "      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
	    "function='0x%x'%s/>\n",
	    d->slot + 1, d->fn, d->multifunction ? " multifunction='on'" : "");
	put(b, "    </hostdev>\n");
	(void)vm;
}

static void put_os(struct buf *b, const struct vfk_vm *vm)
{
	put(b, "  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n");
	if (vm->uefi) {
		put(b, "    <loader readonly='yes'%s type='pflash'>",
		    vm->fw.requires_smm ? " secure='yes'" : "");
		put_escaped(b, vm->fw.code);
		put(b, "</loader>\n    <nvram template='");
		put_escaped(b, vm->fw.vars);
		put(b, "'>/var/lib/libvirt/qemu/nvram/%s_VARS.fd</nvram>\n", vm->name);
	}
	put(b, "  </os>\n");
}

VFK_EXPORT int vfk_vm_get_libvirt_xml(const struct vfk_vm *vm, unsigned int flags, char **ret)
{
	bool domain = flags & VFK_VM_XML_DOMAIN;
	struct buf b = {};

	assert_return(vm && ret, -EINVAL);
	assert_return(vm->checked, -ESTALE);
	if (!domain)
		put(&b,
		    "<!-- vfiokit: libvirt XML for guest '%s'. Merge each part into the domain "
		    "(virsh edit %s); the pcie-root-port controllers take indexes 1 to %zu, so "
		    "renumber them and the hostdevs' bus if the domain already uses those. -->\n",
		    vm->name, vm->name, vm->n_slots);
	put(&b, "<domain type='%s'>\n", vm->accel_used == VFK_VM_ACCEL_KVM ? "kvm" : "qemu");
	if (domain) {
		put(&b, "  <name>%s</name>\n  <memory unit='MiB'>%" PRIu64 "</memory>\n", vm->name,
		    vm->mib);
		if (vm->hugepages)
			put(&b, "  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n");
		put(&b, "  <vcpu>%u</vcpu>\n", vm->cpus);
		put_os(&b, vm);
	}
	put_features(&b, vm, domain);
	if (domain && vm->accel_used == VFK_VM_ACCEL_KVM)
		put(&b, "  <cpu mode='host-passthrough'/>\n");
	if (!domain)
		put(&b, "  <!-- into the domain's <devices> -->\n");
	put(&b, "  <devices>\n");
	for (size_t s = 0; s < vm->n_slots; s++)
		put(&b, "    <controller type='pci' index='%zu' model='pcie-root-port'/>\n", s + 1);
	for (unsigned int s = 0; s < vm->n_slots; s++)
		for (unsigned int fn = 0; fn < 8; fn++)
			for (size_t i = 0; i < vm->n_devs; i++)
				if (vm->devs[i].slot == s && vm->devs[i].fn == fn)
					put_hostdev(&b, vm, &vm->devs[i], flags);
	put(&b, "  </devices>\n</domain>\n");
	if (b.err) {
		free(b.s);
		return b.err;
	}
	*ret = b.s;
	return 0;
}
