// SPDX-License-Identifier: LGPL-2.1-or-later
/* The IOMMU domain's choices and errors that need no kernel: fake roots stand in for
 * /dev and sysfs, and every ioctl on their plain files fails as it would on a wrong file. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <vfiokit/iommu.h>
#include <vfiokit/pci.h>

#include "fixture.h"
#include "iommu/iommu-private.h"

static const struct fx_dev devs[] = {
	{.bdf = "0000:00:03.0",
	 .vendor = 0x1234,
	 .device = 0x11e8,
	 .class_code = 0x00ff00,
	 .group = 7,
	 .driver = "vfio-pci",
	 .vfio_dev = true,
	 .boot_vga = FX_ABSENT},
};

static const struct fx_topology topo = {
	.name = "iommu",
	.devs = devs,
	.n_devs = 1,
};

struct env {
	char *root;
	struct vfk_ctx *ctx;
	struct vfk_device *dev;
	char *devdir;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_int_equal(fx_mkdtemp(&e->root), 0);
	assert_int_equal(fx_build(e->root, &topo), 0);
	assert_int_equal(fx_device_path(&topo, "0000:00:03.0", &e->devdir), 0);
	assert_int_equal(vfk_ctx_new(e->root, &e->ctx), 0);
	assert_int_equal(vfk_device_new_from_string(e->ctx, "0000:00:03.0", &e->dev), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfk_device_unref(e->dev);
	vfk_ctx_unref(e->ctx);
	fx_rmtree(e->root);
	free(e->root);
	free(e->devdir);
	free(e);
	return 0;
}

/*
 * Capabilities are per thread: dropping some from this thread's effective set lets a test
 * running as root see what a user sees, and put them back afterwards.
 */
static void set_effective(unsigned int cap, bool on)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};

	assert_int_equal(syscall(SYS_capget, &hdr, data), 0);
	if (on)
		data[CAP_TO_INDEX(cap)].effective |= CAP_TO_MASK(cap);
	else
		data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	assert_int_equal(syscall(SYS_capset, &hdr, data), 0);
}

static void test_backend_names(void **state)
{
	(void)state;
	for (int i = 0; i < _VFK_IOMMU_BACKEND_MAX; i++)
		assert_int_equal(vfk_iommu_backend_from_string(vfk_iommu_backend_to_string(i)), i);
	assert_string_equal(vfk_iommu_backend_to_string(VFK_IOMMU_TYPE1V2), "type1v2");
	assert_null(vfk_iommu_backend_to_string(_VFK_IOMMU_BACKEND_MAX));
	assert_null(vfk_iommu_backend_to_string((enum vfk_iommu_backend) - 1));
	assert_int_equal(vfk_iommu_backend_from_string("type2"), -EINVAL);
	assert_non_null(strstr(vfk_last_error(), "\"type2\""));
	assert_non_null(strstr(vfk_last_error(), "iommufd"));
	assert_int_equal(vfk_iommu_backend_from_string(NULL), -EINVAL);
}

static void test_new_bad_backend(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu = NULL;

	assert_int_equal(vfk_iommu_new(e->ctx, _VFK_IOMMU_BACKEND_MAX, &iommu), -EINVAL);
	assert_null(iommu);
	assert_non_null(strstr(vfk_last_error(), "out of range"));
	assert_int_equal(vfk_iommu_new(e->ctx, (enum vfk_iommu_backend) - 3, &iommu), -EINVAL);
	assert_int_equal(vfk_iommu_new(NULL, VFK_IOMMU_AUTO, &iommu), -EINVAL);
}

static void test_no_device_yet(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	const struct vfk_iova_range *ranges;
	struct vfk_dma *dma = NULL;
	size_t n;
	uint64_t iova, pgsizes;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_AUTO, &iommu), 0);
	assert_int_equal(vfk_iommu_get_backend(iommu), VFK_IOMMU_AUTO);
	assert_null(vfk_iommu_get_backend_reason(iommu));
	assert_int_equal(vfk_iommu_map(iommu, p, 4096, 0x100000, VFK_DMA_BIDIRECTIONAL), -ENODEV);
	assert_non_null(strstr(vfk_last_error(), "no device yet"));
	assert_int_equal(vfk_iommu_map_alloc(iommu, p, 4096, VFK_DMA_TO_DEVICE, &iova), -ENODEV);
	assert_int_equal(vfk_iommu_get_iova_ranges(iommu, &ranges, &n), -ENODEV);
	assert_int_equal(vfk_iommu_get_page_sizes(iommu, &pgsizes), -ENODEV);
	assert_int_equal(vfk_iommu_translate(iommu, p, &iova), -ENOENT);
	assert_int_equal(vfk_iommu_unmap(iommu, 0x100000, 4096), -ENOENT);
	assert_non_null(strstr(vfk_last_error(), "0x100000"));
	assert_int_equal(vfk_dma_alloc(iommu, 4096, 0, &dma), -ENODEV);
	assert_null(dma);
	/* Argument checks come first. */
	assert_int_equal(vfk_iommu_map(iommu, (char *)p + 1, 4096, 0x100000, 1), -EINVAL);
	assert_int_equal(vfk_iommu_map(iommu, p, 4096, 0x100000, 0), -EINVAL);
	assert_int_equal(vfk_iommu_map(iommu, p, 4096, 0x100000, 8), -EINVAL);
	assert_int_equal(vfk_iommu_map(iommu, p, 0, 0x100000, 1), -EINVAL);
	assert_int_equal(vfk_dma_alloc(iommu, 0, 0, &dma), -EINVAL);
	assert_int_equal(vfk_dma_alloc(iommu, 4096, 1u << 20, &dma), -EINVAL);
	assert_int_equal(vfk_iommu_check_memlock(iommu, 0), 0);
	assert_null(vfk_iommu_ref(NULL));
	assert_null(vfk_iommu_unref(vfk_iommu_ref(iommu)));
	assert_null(vfk_iommu_unref(iommu));
	assert_null(vfk_dma_free(NULL));
	munmap(p, 4096);
}

static void test_memlock_message(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	struct rlimit old, low = {.rlim_cur = 64 * 1024};

	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	low.rlim_max = old.rlim_max;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < low.rlim_cur)
		low.rlim_cur = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &low), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_AUTO, &iommu), 0);
	if (geteuid() == 0)
		set_effective(CAP_IPC_LOCK, false);
	/* Without CAP_IPC_LOCK the limit holds: the message names it and the fixes. The
	 * domain reads the limit when a mapping does not fit what it read before. */
	assert_int_equal(vfk_iommu_check_memlock(iommu, 4096), 0);
	assert_int_equal(vfk_iommu_check_memlock(iommu, 1 << 20), -ENOMEM);
	assert_non_null(strstr(vfk_last_error(), "1024 KiB"));
	assert_non_null(strstr(vfk_last_error(), "64 KiB"));
	assert_non_null(strstr(vfk_last_error(), "ulimit -l"));
	assert_non_null(strstr(vfk_last_error(), "limits.conf"));
	assert_non_null(strstr(vfk_last_error(), "LimitMEMLOCK="));
	if (geteuid() == 0) {
		set_effective(CAP_IPC_LOCK, true);
		/* CAP_IPC_LOCK exempts from the limit, as in type1 and iommufd. */
		assert_int_equal(vfk_iommu_check_memlock(iommu, 1 << 20), 0);
	}
	vfk_iommu_unref(iommu);
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
}

static void write_at(struct env *e, const char *rel, const char *content)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", e->devdir, rel);
	assert_int_equal(fx_write_file(e->root, path, content), 0);
}

/* vfio-dev/vfio0 without its dev attribute: no cdev, whatever /dev/iommu says. */
static void test_auto_without_cdev(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	int fd = -1;
	uint32_t devid;

	assert_int_equal(fx_write_file(e->root, "dev/iommu", ""), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_AUTO, &iommu), 0);
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -EOPNOTSUPP);
	assert_non_null(strstr(vfk_last_error(), "no VFIO cdev"));
	assert_non_null(strstr(vfk_last_error(), "offers no type1 IOMMU"));
	/* A failed first device leaves the choice open. */
	assert_int_equal(vfk_iommu_get_backend(iommu), VFK_IOMMU_AUTO);
	assert_int_equal(fd, -1);
	vfk_iommu_unref(iommu);
}

static void test_auto_without_iommufd(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	int fd = -1;
	uint32_t devid;

	/* A container file that answers no ioctl: not a VFIO container. */
	assert_int_equal(fx_write_file(e->root, "dev/vfio/vfio", ""), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_AUTO, &iommu), 0);
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -EOPNOTSUPP);
	assert_non_null(strstr(vfk_last_error(), "CONFIG_IOMMUFD"));
	vfk_iommu_unref(iommu);
}

static void test_auto_picks_iommufd(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	int fd = -1;
	uint32_t devid;

	assert_int_equal(fx_write_file(e->root, "dev/iommu", ""), 0);
	write_at(e, "vfio-dev/vfio0/dev", "240:0\n");
	assert_int_equal(fx_write_file(e->root, "dev/vfio/devices/vfio0", ""), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_AUTO, &iommu), 0);
	/* iommufd chosen: its first ioctl is what fails on a plain file. */
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -ENOTTY);
	assert_non_null(strstr(vfk_last_error(), "IOMMU_IOAS_ALLOC"));
	/* With a VF token the group path is taken instead. */
	assert_int_equal(iommu_attach_device(iommu, e->dev, "1e1b5d9e-6a6b-4f0b-9a53-5f0c1d2e3f40",
					     &fd, &devid),
			 -EOPNOTSUPP);
	assert_non_null(strstr(vfk_last_error(), "VF token"));
	vfk_iommu_unref(iommu);
}

static void test_asked_for(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	int fd = -1;
	uint32_t devid;

	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_IOMMUFD, &iommu), 0);
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -EOPNOTSUPP);
	assert_non_null(strstr(vfk_last_error(), "no /dev/iommu"));
	vfk_iommu_unref(iommu);

	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_TYPE1V2, &iommu), 0);
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -ENOENT);
	assert_non_null(strstr(vfk_last_error(), "/dev/vfio/vfio"));
	vfk_iommu_unref(iommu);

	assert_int_equal(fx_write_file(e->root, "dev/vfio/vfio", ""), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_NOIOMMU, &iommu), 0);
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -EOPNOTSUPP);
	assert_non_null(strstr(vfk_last_error(), "API"));
	vfk_iommu_unref(iommu);
}

static void test_permission_denied(void **state)
{
	struct env *e = *state;
	struct vfk_iommu *iommu;
	char path[4096];
	int fd = -1;
	uint32_t devid;

	assert_int_equal(fx_write_file(e->root, "dev/iommu", ""), 0);
	write_at(e, "vfio-dev/vfio0/dev", "240:0\n");
	assert_int_equal(fx_write_file(e->root, "dev/vfio/devices/vfio0", ""), 0);
	snprintf(path, sizeof(path), "%s/dev/iommu", e->root);
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(vfk_iommu_new(e->ctx, VFK_IOMMU_AUTO, &iommu), 0);
	if (geteuid() == 0)
		set_effective(CAP_DAC_OVERRIDE, false);
	assert_int_equal(iommu_attach_device(iommu, e->dev, NULL, &fd, &devid), -EACCES);
	if (geteuid() == 0)
		set_effective(CAP_DAC_OVERRIDE, true);
	assert_non_null(strstr(vfk_last_error(), "/dev/iommu"));
	assert_non_null(strstr(vfk_last_error(), "vfiokit qemu --user"));
	assert_non_null(strstr(vfk_last_error(), "root"));
	vfk_iommu_unref(iommu);
}

static void test_last_error_per_thread(void **state)
{
	(void)state;
	assert_int_equal(vfk_set_error(-E2BIG, "first %d", 1), -E2BIG);
	assert_string_equal(vfk_last_error(), "first 1");
	assert_int_equal(vfk_iommu_backend_from_string("auto"), VFK_IOMMU_AUTO);
	/* Success leaves the last failure in place. */
	assert_string_equal(vfk_last_error(), "first 1");
	{
		char big[2048];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		vfk_set_error(-EIO, "%s", big);
		assert_true(strlen(vfk_last_error()) > 500);
	}
}

static void *set_in_thread(void *arg)
{
	(void)arg;
	vfk_set_error(-EIO, "from another thread");
	return (void *)(uintptr_t)(strcmp(vfk_last_error(), "from another thread") == 0);
}

static void test_last_error_thread_local(void **state)
{
	pthread_t t;
	void *ok = NULL;

	(void)state;
	vfk_set_error(-E2BIG, "main thread");
	assert_int_equal(pthread_create(&t, NULL, set_in_thread, NULL), 0);
	assert_int_equal(pthread_join(t, &ok), 0);
	assert_ptr_equal(ok, (void *)1);
	assert_string_equal(vfk_last_error(), "main thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_last_error_per_thread),
		cmocka_unit_test(test_last_error_thread_local),
		cmocka_unit_test_setup_teardown(test_new_bad_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_device_yet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memlock_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_without_cdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_without_iommufd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_picks_iommufd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asked_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_denied, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
