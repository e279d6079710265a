// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device-access API without a kernel: the refusals made before any ioctl, and what
 * happens when the "device file" is a regular file, as on a fake root, where every
 * VFIO ioctl fails with ENOTTY but pread, pwrite and mmap work. That also lets the
 * region accessors run against known bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "iommu/iommu-private.h"
#include "uapi-compat.h"
#include "vfio/vfio-private.h"
#include <vfiokit/vfio.h>
#include <vfiokit/vfiokit.h>

static const struct fx_dev devs[] = {
	{.bdf = "0000:00:03.0",
	 .vendor = 0x1234,
	 .device = 0x11e8,
	 .class_code = 0x00ff00,
	 .group = 3,
	 .boot_vga = FX_ABSENT,
	 .caps = FX_CAP_MSI},
	{.bdf = "0000:00:04.0",
	 .vendor = 0x8086,
	 .device = 0x10d3,
	 .class_code = 0x020000,
	 .group = 4,
	 .driver = "e1000e",
	 .boot_vga = FX_ABSENT,
	 .caps = FX_CAP_EXP | FX_CAP_MSIX},
	{.bdf = "0000:00:05.0",
	 .vendor = 0x1234,
	 .device = 0x11e8,
	 .class_code = 0x00ff00,
	 .group = 5,
	 .driver = "vfio-pci",
	 .driver_override = "vfio-pci",
	 .vfio_dev = true,
	 .boot_vga = FX_ABSENT,
	 .caps = FX_CAP_MSI},
};

static const struct fx_topology topo = {
	.name = "vfio",
	.devs = devs,
	.n_devs = sizeof(devs) / sizeof(devs[0]),
};

struct env {
	char *root;
	struct vfk_ctx *ctx;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char page[4096];

	assert_non_null(e);
	assert_int_equal(fx_mkdtemp(&e->root), 0);
	assert_int_equal(fx_build(e->root, &topo), 0);
	/* The device nodes of a bound device, as regular files. */
	memset(page, 0, sizeof(page));
	assert_int_equal(fx_write_file(e->root, "dev/vfio/vfio", ""), 0);
	assert_int_equal(fx_write_file(e->root, "dev/vfio/5", ""), 0);
	assert_int_equal(fx_write_file(e->root, "dev/vfio/devices/vfio0", ""), 0);
	assert_int_equal(fx_write_file(e->root, "dev/iommu", ""), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e);
	return 0;
}

static void open_expect(struct env *e, const char *bdf, enum vfk_iommu_backend backend, int want,
			const char *msg)
{
	struct vfk_device *dev;
	struct vfk_iommu *iommu;
	struct vfk_vfio *v = NULL;

	assert_int_equal(vfk_device_new_from_string(e->ctx, bdf, &dev), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, backend, &iommu), 0);
	assert_int_equal(vfk_vfio_open(iommu, dev, NULL, &v), want);
	assert_null(v);
	if (msg)
		assert_string_equal(vfk_last_error(), msg);
	vfk_iommu_unref(iommu);
	vfk_device_unref(dev);
}

static void test_not_on_vfio_pci(void **state)
{
	open_expect(*state, "0000:00:04.0", VFK_IOMMU_AUTO, -ENODEV,
		    "0000:00:04.0 is on e1000e, not vfio-pci: run `vfiokit bind 0000:00:04.0`");
	open_expect(*state, "00:03.0", VFK_IOMMU_TYPE1V2, -ENODEV,
		    "0000:00:03.0 has no driver, not vfio-pci: run `vfiokit bind 0000:00:03.0`");
}

/* A VF token that is not a UUID would reach the kernel as options of the device's name: it
 * is refused before the domain is touched, whatever the backend. */
static void test_malformed_vf_token(void **state)
{
	struct env *e = *state;
	struct vfk_device *dev;
	struct vfk_iommu *iommu;
	struct vfk_vfio *v = NULL;

	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:00:05.0", &dev), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_TYPE1V2, &iommu), 0);
	assert_int_equal(vfk_vfio_open(iommu, dev, "5a4b3c2d-1e0f-4a5b-8c7d-6e5f4a3b2c1d x", &v),
			 -EINVAL);
	assert_null(v);
	assert_string_equal(
		vfk_last_error(),
		"0000:00:05.0: VF token '5a4b3c2d-1e0f-4a5b-8c7d-6e5f4a3b2c1d x' is not "
		"a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
	vfk_iommu_unref(iommu);
	vfk_device_unref(dev);
}

/* Files that are not devices: every backend must fail cleanly and say why. */
static void test_fake_nodes(void **state)
{
	static const enum vfk_iommu_backend backends[] = {VFK_IOMMU_AUTO, VFK_IOMMU_IOMMUFD,
							  VFK_IOMMU_TYPE1V2, VFK_IOMMU_TYPE1};
	struct env *e = *state;
	struct vfk_device *dev;
	size_t i;

	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:00:05.0", &dev), 0);
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct vfk_iommu *iommu;
		struct vfk_vfio *v = NULL;
		int r;

		assert_int_equal(vfk_iommu_new(e->ctx, backends[i], &iommu), 0);
		r = vfk_vfio_open(iommu, dev, NULL, &v);
		assert_true(r < 0);
		assert_null(v);
		assert_true(strlen(vfk_last_error()) > 0);
		vfk_iommu_unref(iommu);
	}
	vfk_device_unref(dev);
}

/* A struct vfk_vfio over a regular file: what vfk_vfio_open() builds after the domain
 * handed it the device fd. */
static struct vfk_vfio *fake_open(struct env *e, int fd)
{
	struct vfk_vfio *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:00:05.0", &v->dev), 0);
	v->refcount = 1;
	v->fd = fd;
	pthread_mutex_init(&v->lock, NULL);
	return v;
}

static void fake_close(struct vfk_vfio *v)
{
	vfio_device_forget(v);
	vfk_device_unref(v->dev);
	close(v->fd);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static int scratch_file(struct env *e, size_t size)
{
	char path[4096];
	int fd;
	size_t i;

	snprintf(path, sizeof(path), "%s/devfile", e->root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (i = 0; i < size; i++) {
		unsigned char b = (unsigned char)i;

		assert_int_equal(write(fd, &b, 1), 1);
	}
	return fd;
}

static void test_query_enotty(void **state)
{
	struct vfk_vfio *v = fake_open(*state, scratch_file(*state, 0));

	assert_int_equal(vfio_device_query(v), -ENODEV);
	assert_non_null(strstr(vfk_last_error(), "0000:00:05.0: its device file is not a VFIO"));
	assert_non_null(strstr(vfk_last_error(), "VFIO_DEVICE_GET_INFO"));
	fake_close(v);
}

/* Regions set up by hand: config space (256 bytes, read/write), a BAR of three pages
 * whose middle page is a hole (as an MSI-X table was), and a read-only ROM. */
static void add_regions(struct vfk_vfio *v, long page)
{
	static struct vfk_region_area areas[2];

	areas[0] = (struct vfk_region_area){0, (uint64_t)page};
	areas[1] = (struct vfk_region_area){2 * (uint64_t)page, (uint64_t)page};
	v->n_regions = VFIO_PCI_CONFIG_REGION_INDEX + 1;
	v->regions = calloc(v->n_regions, sizeof(*v->regions));
	assert_non_null(v->regions);
	for (unsigned int i = 0; i < v->n_regions; i++) {
		v->regions[i].info.index = i;
		v->regions[i].info.name = v->regions[i].name;
		snprintf(v->regions[i].name, sizeof(v->regions[i].name), "R%u", i);
	}
	v->regions[0].info = (struct vfk_region_info){.index = 0,
						      .name = "BAR0",
						      .size = 3 * (uint64_t)page,
						      .offset = 0,
						      .flags = VFK_REGION_READ | VFK_REGION_WRITE |
							       VFK_REGION_MMAP,
						      .n_areas = 2};
	/* vfio_regions_free() frees areas: give it a heap copy. */
	v->regions[0].areas = malloc(sizeof(areas));
	memcpy(v->regions[0].areas, areas, sizeof(areas));
	v->regions[0].info.areas = v->regions[0].areas;
	v->regions[VFIO_PCI_ROM_REGION_INDEX].info.size = 64;
	v->regions[VFIO_PCI_ROM_REGION_INDEX].info.offset = 0;
	v->regions[VFIO_PCI_ROM_REGION_INDEX].info.flags = VFK_REGION_READ;
	v->regions[VFIO_PCI_CONFIG_REGION_INDEX].info.size = 256;
	v->regions[VFIO_PCI_CONFIG_REGION_INDEX].info.offset = 0;
	v->regions[VFIO_PCI_CONFIG_REGION_INDEX].info.flags = VFK_REGION_READ | VFK_REGION_WRITE;
}

static void test_region_access(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	struct vfk_vfio *v = fake_open(*state, scratch_file(*state, 3 * (size_t)page));
	const struct vfk_region_info *info;
	unsigned char buf[16];
	uint16_t cmd;
	uint32_t u32;
	uint8_t b = 0xaa;
	char *base, *again;
	int pipefd[2];

	add_regions(v, page);
	assert_int_equal(vfk_vfio_get_region(v, 0, &info), 0);
	assert_string_equal(info->name, "BAR0");
	assert_int_equal(vfk_vfio_get_region(v, 99, &info), -EINVAL);
	assert_non_null(strstr(vfk_last_error(), "no region 99"));

	/* Reads of any length and alignment come back byte for byte. */
	assert_int_equal(vfk_vfio_config_read(v, 3, buf, 13), 0);
	for (int i = 0; i < 13; i++)
		assert_int_equal(buf[i], 3 + i);
	assert_int_equal(vfk_vfio_config_read(v, 4, &u32, 4), 0);
	assert_int_equal(u32, 0x07060504);
	assert_int_equal(vfk_vfio_config_read(v, 250, buf, 7), -EINVAL);
	assert_non_null(strstr(vfk_last_error(), "outside"));
	assert_int_equal(vfk_vfio_config_read(v, UINT64_MAX, buf, 2), -EINVAL);

	/* Bus master: bit 2 of the command register, the rest kept. */
	cmd = 0x0103;
	assert_int_equal(vfk_vfio_config_write(v, 4, &cmd, 2), 0);
	assert_int_equal(vfk_vfio_set_bus_master(v, true), 0);
	assert_int_equal(vfk_vfio_config_read(v, 4, &cmd, 2), 0);
	assert_int_equal(cmd, 0x0107);
	assert_int_equal(vfk_vfio_set_bus_master(v, false), 0);
	assert_int_equal(vfk_vfio_config_read(v, 4, &cmd, 2), 0);
	assert_int_equal(cmd, 0x0103);

	/* The ROM is read-only; a region without MMAP cannot be mapped. */
	assert_int_equal(vfk_vfio_region_write(v, VFIO_PCI_ROM_REGION_INDEX, 0, &b, 1), -EACCES);
	assert_non_null(strstr(vfk_last_error(), "not writable"));
	assert_int_equal(vfk_vfio_map_region(v, VFIO_PCI_CONFIG_REGION_INDEX, (void **)&base),
			 -EOPNOTSUPP);
	assert_int_equal(vfk_vfio_unmap_region(v, 0), -ENOENT);

	/* The areas are mapped at their offsets; the hole between them is not. */
	assert_int_equal(vfk_vfio_map_region(v, 0, (void **)&base), 0);
	assert_int_equal((unsigned char)base[1], 1);
	assert_int_equal((unsigned char)base[2 * page + 5], (unsigned char)(2 * page + 5));
	assert_int_equal(vfk_vfio_map_region(v, 0, (void **)&again), 0);
	assert_ptr_equal(base, again);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], base + page, 1), -1);
	assert_int_equal(errno, EFAULT);
	close(pipefd[0]);
	close(pipefd[1]);
	base[3] = 0x5a;
	assert_int_equal(vfk_vfio_region_read(v, 0, 3, &b, 1), 0);
	assert_int_equal(b, 0x5a);
	assert_int_equal(vfk_vfio_unmap_region(v, 0), 0);
	fake_close(v);
}

/* Interrupts: every SET_IRQS fails with ENOTTY; no eventfd may leak and nothing may be
 * left counted as enabled. */
static void test_irqs_enotty(void **state)
{
	struct vfk_vfio *v = fake_open(*state, scratch_file(*state, 0));
	uint32_t count, flags;
	int fds[2] = {-1, -1};

	assert_int_equal(vfio_irqs_load(v), 0);
	assert_int_equal(vfk_vfio_get_irq_info(v, VFK_IRQ_MSI, &count, &flags), 0);
	assert_int_equal(count, 0);
	assert_int_equal(vfk_vfio_irq_enable(v, VFK_IRQ_MSI, 0, 1, NULL), -EINVAL);
	assert_int_equal(vfk_vfio_get_irq_info(v, _VFK_IRQ_TYPE_MAX, &count, NULL), -EINVAL);

	/* Pretend the kernel reported two MSI-X vectors. */
	v->irqs[VFK_IRQ_MSIX].count = 2;
	v->irqs[VFK_IRQ_MSIX].flags = VFK_IRQ_EVENTFD;
	v->irqs[VFK_IRQ_MSIX].efds = malloc(2 * sizeof(int));
	v->irqs[VFK_IRQ_MSIX].owned = calloc(2, sizeof(bool));
	v->irqs[VFK_IRQ_MSIX].efds[0] = v->irqs[VFK_IRQ_MSIX].efds[1] = -1;
	assert_int_equal(vfk_vfio_irq_enable(v, VFK_IRQ_MSIX, 0, 2, fds), -ENOTTY);
	assert_non_null(strstr(vfk_last_error(), "0000:00:05.0: enabling msix"));
	assert_int_equal(fds[0], -1);
	assert_int_equal(v->irqs[VFK_IRQ_MSIX].n_enabled, 0);
	assert_int_equal(vfk_vfio_irq_get_eventfd(v, VFK_IRQ_MSIX, 1), -ENOENT);
	assert_int_equal(vfk_vfio_irq_trigger(v, VFK_IRQ_MSIX, 0), -EINVAL);
	assert_int_equal(vfk_vfio_irq_unmask(v, VFK_IRQ_MSIX, 2), -EINVAL);
	assert_int_equal(vfk_vfio_irq_unmask(v, VFK_IRQ_MSIX, 0), -ENOTTY);
	assert_int_equal(vfk_vfio_irq_enable(v, VFK_IRQ_MSIX, 1, 2, NULL), -EINVAL);
	assert_int_equal(vfk_vfio_irq_disable(v, VFK_IRQ_MSIX), 0);
	fake_close(v);
}

static void test_reset_enotty(void **state)
{
	struct vfk_vfio *v = fake_open(*state, scratch_file(*state, 0));
	struct vfk_addr *list = NULL;
	size_t n = 0;

	assert_false(vfk_vfio_can_reset(v));
	assert_int_equal(vfk_vfio_reset(v), -EOPNOTSUPP);
	assert_non_null(strstr(vfk_last_error(), "hot reset"));
	assert_int_equal(vfk_vfio_get_hot_reset_devices(v, &list, &n), -EOPNOTSUPP);
	assert_null(list);
	assert_int_equal(vfk_vfio_set_vf_token(v, "not-a-uuid"), -EINVAL);
	assert_non_null(strstr(vfk_last_error(), "is not a UUID"));
	assert_int_equal(vfk_vfio_set_vf_token(v, "5a4b3c2d-1e0f-4a5b-8c7d-6e5f4a3b2c1d"), -ENOTTY);
	fake_close(v);
}

static void test_irq_type_names(void **state)
{
	assert_string_equal(vfk_irq_type_to_string(VFK_IRQ_INTX), "intx");
	assert_string_equal(vfk_irq_type_to_string(VFK_IRQ_MSIX), "msix");
	assert_string_equal(vfk_irq_type_to_string(VFK_IRQ_REQ), "req");
	assert_null(vfk_irq_type_to_string(_VFK_IRQ_TYPE_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_on_vfio_pci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_vf_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fake_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_enotty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqs_enotty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_enotty, setup, teardown),
		cmocka_unit_test(test_irq_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
