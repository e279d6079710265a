// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside the vm lane's guest: VF tokens against the real vfio-pci. The PF (on
 * vfio-pci, with its enable_sriov parameter on) is opened through the library and given a
 * token; then a VF is created, which vfio-pci takes, and opened in a second domain without
 * the token, with a wrong one and with the right one. With the iommufd kernel the iommufd
 * backend refuses a token and auto picks the container. Then the other half of the
 * contract: with the VF open, the PF itself asks for the token.
 *
 *   test-vftoken BACKEND PF_BDF
 *
 * Prints "ok: ..." per check and exits 1 if any failed; leaves the PF with no VFs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vfiokit/iommu.h>
#include <vfiokit/vfio.h>
#include <vfiokit/vfiokit.h>

#define TOKEN "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
#define WRONG "00000000-0000-4000-8000-000000000000"
#define NVME_REG_VS 0x08

static int failed;

static void check(bool ok, const char *what)
{
	printf("%s: %s", ok ? "ok" : "FAIL", what);
	if (!ok)
		printf(" (last error: %s)", vfk_last_error());
	printf("\n");
	failed |= !ok;
}

static int write_attr(const char *bdf, const char *attr, const char *value)
{
	char path[PATH_MAX];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* The driver a device is bound to, or "" when none. */
static const char *driver_of(const char *bdf)
{
	static char buf[PATH_MAX];
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return "";
	buf[n] = '\0';
	return strrchr(buf, '/') + 1;
}

/* A BAR0's size from sysfs's resource file ("start end flags"), 0 when unknown. */
static uint64_t resource0_size(const char *bdf)
{
	unsigned long long start, end;
	char path[PATH_MAX];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fscanf(f, "%llx %llx", &start, &end);
	fclose(f);
	return n == 2 && end > start ? end - start + 1 : 0;
}

/* The PF's first VF once it is on vfio-pci (its notifier sets the VF's driver_override),
 * or NULL after 20 s. */
static const char *first_vf(const char *pf)
{
	static char vf[64];
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/virtfn0", pf);
	for (int i = 0; i < 200; i++) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			snprintf(vf, sizeof(vf), "%s", strrchr(target, '/') + 1);
			if (strcmp(driver_of(vf), "vfio-pci") == 0)
				return vf;
		}
		usleep(100000);
	}
	return NULL;
}

/* Opens @bdf alone in a new domain with @backend and @token; the errno, 0 on success. */
static int open_in_new_domain(struct vfk_ctx *ctx, enum vfk_iommu_backend backend, const char *bdf,
			      const char *token, struct vfk_iommu **ret_iommu,
			      struct vfk_vfio **ret)
{
	struct vfk_iommu *iommu = NULL;
	struct vfk_device *dev = NULL;
	int r;

	*ret = NULL;
	r = vfk_iommu_new(ctx, backend, &iommu);
	if (r == 0)
		r = vfk_device_new_from_string(ctx, bdf, &dev);
	if (r == 0)
		r = vfk_vfio_open(iommu, dev, token, ret);
	printf("open %s with token %s: %s\n", bdf, token ? token : "(none)",
	       r == 0 ? "opened" : vfk_last_error());
	vfk_device_unref(dev);
	if (r == 0 && ret_iommu)
		*ret_iommu = iommu;
	else
		vfk_iommu_unref(iommu);
	return r;
}

static void check_vf(struct vfk_ctx *ctx, const char *pf, const char *vf, bool have_iommufd)
{
	const struct vfk_region_info *bar = NULL;
	struct vfk_iommu *iommu = NULL;
	struct vfk_vfio *v = NULL;
	uint16_t ids[2] = {0};
	uint32_t vs = 0;
	int r;

	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, vf, NULL, NULL, &v);
	check(r == -EACCES, "the VF without a token: -EACCES");
	check(r < 0 && strstr(vfk_last_error(), vf) && strstr(vfk_last_error(), "VF token"),
	      "the error names the VF and asks for the VF token");
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, vf, WRONG, NULL, &v);
	check(r == -EACCES, "the VF with a wrong token: -EACCES");
	check(r < 0 && strstr(vfk_last_error(), "refused the VF token") &&
		      strstr(vfk_last_error(), pf),
	      "the error says the token was refused and names the PF");
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, vf, "not-a-uuid", NULL, &v);
	check(r == -EINVAL && strstr(vfk_last_error(), "not a UUID"),
	      "a malformed token to open: -EINVAL, not a UUID");
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, vf, TOKEN, &iommu, &v);
	check(r == 0, "the VF with the PF's token: opened (type1v2)");
	if (r == 0) {
		check(vfk_vfio_config_read(v, 0, ids, sizeof(ids)) == 0 && ids[0] == 0x1b36,
		      "the VF's config space reads vendor 1b36");
		r = vfk_vfio_get_region(v, 0, &bar);
		check(r == 0 && bar->size > 0 && bar->size == resource0_size(vf),
		      "the VF's BAR0 region is as large as sysfs says");
		/* An MMIO read through the VF's own BAR. QEMU's nvme answers 0 while the VF's
		 * secondary controller is offline (no PF driver has brought it online), so
		 * only the access is checked. */
		r = vfk_vfio_region_read(v, 0, NVME_REG_VS, &vs, sizeof(vs));
		printf("the VF's BAR0: %" PRIu64 " bytes, VS reads %#x\n", bar ? bar->size : 0, vs);
		check(r == 0, "the VF's BAR0 read through the device file");
		vfk_vfio_unref(v);
		vfk_iommu_unref(iommu);
	}
	if (have_iommufd) {
		r = open_in_new_domain(ctx, VFK_IOMMU_IOMMUFD, vf, TOKEN, NULL, &v);
		check(r == -EOPNOTSUPP && strstr(vfk_last_error(), "type1v2"),
		      "iommufd with a token: -EOPNOTSUPP, naming type1v2");
		/* A fact of this kernel, not of the library: 6.12 checks VF tokens only when
		 * a group hands out the device (vfio_pci_core_match()); its cdev bind has no
		 * token and checks none (later kernels added VFIO_DEVICE_BIND_FLAG_TOKEN). */
		iommu = NULL;
		r = open_in_new_domain(ctx, VFK_IOMMU_IOMMUFD, vf, NULL, &iommu, &v);
		check(r == 0, "iommufd without a token: opened (6.12's cdev bind checks no token)");
		vfk_vfio_unref(v);
		vfk_iommu_unref(iommu);
	}
	iommu = NULL;
	r = open_in_new_domain(ctx, VFK_IOMMU_AUTO, vf, TOKEN, &iommu, &v);
	check(r == 0 && (vfk_iommu_get_backend(iommu) == VFK_IOMMU_TYPE1V2 ||
			 vfk_iommu_get_backend(iommu) == VFK_IOMMU_TYPE1),
	      "auto with a token: opened through the container");
	if (r == 0)
		printf("auto chose %s: %s\n",
		       vfk_iommu_backend_to_string(vfk_iommu_get_backend(iommu)),
		       vfk_iommu_get_backend_reason(iommu));
	vfk_vfio_unref(v);
	vfk_iommu_unref(iommu);
}

/* With a VF open, its PF on vfio-pci opens only with the token: whoever reopens the PF can
 * reset it under the VF's user. The PF is closed (with no VFs: its reset would end them)
 * and a VF created anew, which must still take the token: it outlives the PF's close. The
 * PF is only refused here, never opened: opening resets it too. */
static void check_pf_asks(struct vfk_ctx *ctx, const char *pf)
{
	struct vfk_iommu *iommu = NULL;
	struct vfk_vfio *v = NULL, *p = NULL;
	const char *vf;
	int r;

	check(write_attr(pf, "sriov_numvfs", "1") == 0, "a VF created with the PF closed");
	vf = first_vf(pf);
	check(vf != NULL, "the VF is on vfio-pci");
	if (!vf)
		return;
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, vf, NULL, NULL, &v);
	check(r == -EACCES, "the VF without a token once the PF is closed: -EACCES");
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, vf, TOKEN, &iommu, &v);
	check(r == 0, "the VF with the token once the PF is closed: opened");
	if (r < 0)
		return;
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, pf, NULL, NULL, &p);
	check(r == -EACCES, "the PF without a token while its VF is open: -EACCES");
	check(r < 0 && strstr(vfk_last_error(), pf) && strstr(vfk_last_error(), "VF token"),
	      "the error names the PF and asks for the VF token");
	r = open_in_new_domain(ctx, VFK_IOMMU_TYPE1V2, pf, WRONG, NULL, &p);
	check(r == -EACCES && strstr(vfk_last_error(), "refused the VF token"),
	      "the PF with a wrong token while its VF is open: -EACCES, refused");
	vfk_vfio_unref(p);
	vfk_vfio_unref(v);
	vfk_iommu_unref(iommu);
}

int main(int argc, char *argv[])
{
	struct vfk_iommu *iommu = NULL;
	struct vfk_vfio *pf = NULL;
	struct vfk_ctx *ctx;
	const char *vf;
	int backend;

	if (argc != 3) {
		fprintf(stderr, "usage: test-vftoken BACKEND PF_BDF\n");
		return 2;
	}
	backend = vfk_iommu_backend_from_string(argv[1]);
	if (backend < 0 || vfk_ctx_new(NULL, &ctx) < 0) {
		fprintf(stderr, "setup failed\n");
		return 2;
	}
	check(open_in_new_domain(ctx, (enum vfk_iommu_backend)backend, argv[2], NULL, &iommu,
				 &pf) == 0,
	      "the PF opened");
	if (!pf)
		return 1;
	check(vfk_vfio_set_vf_token(pf, "not-a-uuid") == -EINVAL, "a malformed token: -EINVAL");
	check(vfk_vfio_set_vf_token(pf, TOKEN) == 0, "the PF took the token");
	check(write_attr(argv[2], "sriov_numvfs", "1") == 0, "one VF created");
	vf = first_vf(argv[2]);
	check(vf != NULL, "the VF is on vfio-pci");
	if (vf) {
		printf("VF %s\n", vf);
		check_vf(ctx, argv[2], vf, access("/dev/iommu", F_OK) == 0);
	}
	check(write_attr(argv[2], "sriov_numvfs", "0") == 0, "the VF removed");
	/* Closing the PF resets it (an FLR), which ends its VFs in QEMU's nvme: they must be
	 * gone before. */
	pf = vfk_vfio_unref(pf);
	iommu = vfk_iommu_unref(iommu);
	if (vf) {
		check_pf_asks(ctx, argv[2]);
		check(write_attr(argv[2], "sriov_numvfs", "0") == 0, "the VF removed again");
	}
	vfk_ctx_unref(ctx);
	return failed;
}
