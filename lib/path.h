/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place that knows where things live on a Linux system. Every path is relative
 * to the context's root directory and is resolved as if that root were "/".
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct vfk_ctx;
#define SYS_PLATFORM_DEVICES "sys/bus/platform/devices"
#define SYS_PLATFORM_DRIVERS "sys/bus/platform/drivers"
/* systemd: present when this directory exists (sd_booted()); the display manager alias. */
#define RUN_SYSTEMD_SYSTEM "run/systemd/system"
#define DISPLAY_MANAGER_UNIT "display-manager.service"
#define ETC_DISPLAY_MANAGER_UNIT "etc/systemd/system/display-manager.service"
#define DEV_DRI "dev/dri"

#define SYS_DEVICES "sys/devices"
#define SYS_PCI_DEVICES "sys/bus/pci/devices"
#define SYS_PCI_DRIVERS "sys/bus/pci/drivers"
#define SYS_PCI_DRIVERS_PROBE "sys/bus/pci/drivers_probe"
#define VFIOKIT_RUN_DIR "run/vfiokit"
#define VFIOKIT_JOURNAL "run/vfiokit/journal.json"
#define VFIOKIT_LOCK "run/vfiokit/lock"
#define SYS_IOMMU_GROUPS "sys/kernel/iommu_groups"
#define SYS_CLASS_IOMMU "sys/class/iommu"
#define SYS_ACPI_TABLES "sys/firmware/acpi/tables"
#define SYS_MODULE "sys/module"
#define SYS_HUGEPAGES "sys/kernel/mm/hugepages"
#define PROC_CMDLINE "proc/cmdline"
#define PROC_CPUINFO "proc/cpuinfo"
#define PROC_OSRELEASE "proc/sys/kernel/osrelease"
#define PROC_MEMINFO "proc/meminfo"
#define PROC_MODULES "proc/modules"
#define DEV_VFIO "dev/vfio"
#define DEV_IOMMU "dev/iommu"
#define PROC_INTERRUPTS "proc/interrupts"
#define PROC_SELF_LIMITS "proc/self/limits"
#define PROC_SELF_MOUNTINFO "proc/self/mountinfo"
#define PROC_SWAPS "proc/swaps"
#define PROC_IOMEM "proc/iomem"
#define PROC_NET_ROUTE "proc/net/route"
#define PROC_NET_IPV6_ROUTE "proc/net/ipv6_route"
#define PROC_NET_IF_INET6 "proc/net/if_inet6"
#define SYS_CLASS_NET "sys/class/net"
#define SYS_CLASS_BLOCK "sys/class/block"
#define SYS_CLASS_DRM "sys/class/drm"
#define SYS_CLASS_VTCONSOLE "sys/class/vtconsole"
#define SYS_CLASS_GRAPHICS "sys/class/graphics"
#define DEV_KMSG "dev/kmsg"
#define DEV_KVM "dev/kvm"
#define DEV_VFIO_CONTAINER "dev/vfio/vfio"
#define DEV_VFIO_DEVICES "dev/vfio/devices"
/* A group's node (and its no-IOMMU form), a device's VFIO cdev, and the directory below a
 * PCI function's sysfs path that names its cdev (vfio-dev/vfioN, with a dev attribute
 * only when the kernel has the cdev). */
#define DEV_VFIO_GROUP_FMT "dev/vfio/%u"
#define DEV_VFIO_NOIOMMU_GROUP_FMT "dev/vfio/noiommu-%u"
#define DEV_VFIO_DEVICE_FMT "dev/vfio/devices/%s"
#define SYSFS_VFIO_DEV "vfio-dev"
#define ETC_OS_RELEASE "etc/os-release"
#define USR_LIB_OS_RELEASE "usr/lib/os-release"
#define ETC_DEFAULT_GRUB "etc/default/grub"
#define ETC_KERNEL_CMDLINE "etc/kernel/cmdline"
#define ETC_MODPROBE_D "etc/modprobe.d"
#define RUN_MODPROBE_D "run/modprobe.d"
#define LIB_MODPROBE_D "lib/modprobe.d"
#define KERNELSTUB_CONFIG "etc/kernelstub/configuration"
#define KERNELSTUB_BIN "usr/bin/kernelstub"
#define GRUBBY_BIN "usr/sbin/grubby"
#define GRUBBY_BIN_ALT "usr/bin/grubby"
#define UPDATE_GRUB_BIN "usr/sbin/update-grub"
#define GRUB2_MKCONFIG_BIN "usr/sbin/grub2-mkconfig"
#define BOOT_LOADER_ENTRIES "boot/loader/entries"
#define EFI_LOADER_ENTRIES "efi/loader/entries"
#define BOOT_VMLINUZ_FMT "boot/vmlinuz-%s"
#define BOOT_CONFIG_FMT "boot/config-%s"
/* Guest firmware: QEMU's firmware descriptors (docs/interop/firmware.json), most specific
 * first, and the places distributions put OVMF when they ship no descriptor. */
#define QEMU_FIRMWARE_DIRS "etc/qemu/firmware", "usr/share/qemu/firmware"
#define OVMF_CODE_PATHS                                                                            \
	"usr/share/OVMF/OVMF_CODE_4M.fd", "usr/share/OVMF/OVMF_CODE.fd",                           \
		"usr/share/edk2/ovmf/OVMF_CODE.fd", "usr/share/edk2/x64/OVMF_CODE.4m.fd",          \
		"usr/share/edk2-ovmf/x64/OVMF_CODE.fd", "usr/share/qemu/ovmf-x86_64-code.bin"
/* The variable-store template of each of those, in the same order. */
#define OVMF_VARS_PATHS                                                                            \
	"usr/share/OVMF/OVMF_VARS_4M.fd", "usr/share/OVMF/OVMF_VARS.fd",                           \
		"usr/share/edk2/ovmf/OVMF_VARS.fd", "usr/share/edk2/x64/OVMF_VARS.4m.fd",          \
		"usr/share/edk2-ovmf/x64/OVMF_VARS.fd", "usr/share/qemu/ovmf-x86_64-vars.bin"
/* Where `vfiokit qemu` keeps each VM's own copy of the UEFI variables. */
#define VFIOKIT_LIB_DIR "var/lib/vfiokit"
#define VFIOKIT_VARS_DIR "var/lib/vfiokit/vars"
/* Early binding (vfiokit persist): vfiokit's own files, and the files and commands of
 * each initramfs generator and bootloader. */
#define VFIOKIT_UDEV_RULE "etc/udev/rules.d/01-vfiokit.rules"
#define VFIOKIT_MODPROBE_CONF "etc/modprobe.d/vfiokit.conf"
#define VFIOKIT_PERSIST_DIR "var/lib/vfiokit/persist"
#define VFIOKIT_PERSIST_STATE "var/lib/vfiokit/persist/state.json"
#define INITRAMFS_TOOLS_DIR "etc/initramfs-tools"
#define INITRAMFS_TOOLS_MODULES "etc/initramfs-tools/modules"
#define INITRAMFS_TOOLS_HOOK "etc/initramfs-tools/hooks/vfiokit"
#define DRACUT_CONF_D "etc/dracut.conf.d"
#define DRACUT_VFIOKIT_CONF "etc/dracut.conf.d/vfiokit.conf"
#define DRACUT_BIN "usr/bin/dracut"
#define MKINITCPIO_CONF "etc/mkinitcpio.conf"
#define MKINITCPIO_CONF_D "etc/mkinitcpio.conf.d"
#define MKINITCPIO_VFIOKIT_CONF "etc/mkinitcpio.conf.d/vfiokit.conf"
#define BOOSTER_CONF "etc/booster.yaml"
/* libvirt hooks (vfiokit hook): libvirt runs every executable in qemu.d (libvirt >= 6.5);
 * vfiokit keeps one config file per domain. */
#define LIBVIRT_QEMU_HOOKS_DIR "etc/libvirt/hooks/qemu.d"
#define LIBVIRT_QEMU_HOOK_VFIOKIT "etc/libvirt/hooks/qemu.d/vfiokit"
#define VFIOKIT_HOOKS_DIR "etc/vfiokit/hooks"
/* What each domain's hook moved at start, for its stop. */
#define VFIOKIT_HOOK_STATE_DIR "run/vfiokit/hooks"
#define ETC "etc"
#define RUN "run"
#define LIB_MODULES "lib/modules"

/* Largest sysfs attribute the library reads; sysfs shows at most one page. */
#define ATTR_MAX 4096

/**
 * Guarantees: @path is relative ("sys/..."), a leading '/' is ignored; symbolic links met
 * on the way, absolute or relative, stay below the root; the fd is O_CLOEXEC.
 */
int path_open(struct vfk_ctx *ctx, const char *path, int flags);
/* Opens @rel below the directory @dirfd, refusing any symbolic link on the way and any
 * ".." that leaves @dirfd: for paths already resolved, such as a device's sysfs path
 * below sys/devices, at the cost of walking only the components that remain. */
int path_open_beneath(int dirfd, const char *rel, int flags);
/* path_read() for such a path. */
ssize_t path_read_beneath(int dirfd, const char *rel, char *buf, size_t size);

enum path_dir {
	PATH_DIR_DEVICES, /* SYS_DEVICES */
	PATH_DIR_GROUPS,  /* SYS_IOMMU_GROUPS */
	PATH_DIR_MAX,
};
/* The directory @which of @ctx's root, opened (O_PATH) once per context and kept, for
 * path_open_beneath() by code that reads attributes of many devices or groups one at a
 * time; or a negative errno, when callers take the path from the root. Borrowed. */
int path_cached_dir(struct vfk_ctx *ctx, enum path_dir which);
int path_openf(struct vfk_ctx *ctx, int flags, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A regular file below the root opened for reading, without blocking: -EINVAL for a FIFO,
 * socket or device, -EISDIR for a directory. Every path_read*() opens files this way. */
int path_open_file(struct vfk_ctx *ctx, const char *path);

/* Reads a whole file below the root into @buf (NUL-terminated), at most @size - 1 bytes.
 * Returns the length, -EFBIG when the file is larger than that. */
ssize_t path_read(struct vfk_ctx *ctx, const char *path, char *buf, size_t size);

/* Same for a single-component @name inside an open directory. */
ssize_t path_read_at(int dirfd, const char *name, char *buf, size_t size);

/* Reads a whole file of any size; *ret is malloc'd and NUL-terminated. */
ssize_t path_read_all(struct vfk_ctx *ctx, const char *path, size_t max, char **ret);

/* The target of a symbolic link @name in @dirfd, NUL-terminated. */
ssize_t path_readlink_at(int dirfd, const char *name, char *buf, size_t size);
ssize_t path_readlink(struct vfk_ctx *ctx, const char *path, char *buf, size_t size);

/* The last component of a link target, e.g. "e1000e" for "../../../bus/pci/drivers/e1000e". */
int path_readlink_basename_at(int dirfd, const char *name, char *buf, size_t size);

int path_opendir(struct vfk_ctx *ctx, const char *path, DIR **ret);

/* 0 when @path exists below the root (links followed), -errno otherwise. */
int path_exists(struct vfk_ctx *ctx, const char *path);
int path_exists_at(int dirfd, const char *name);

/* Sees each write to the system (path, value) before it is made; returns 0 or -errno to
 * fail it. Tests attach a fake kernel here; --dry-run attaches a printer. */
typedef int (*path_write_observer_fn)(void *data, const char *path, const char *value);
void path_set_write_observer(struct vfk_ctx *ctx, path_write_observer_fn fn, void *data);
/* Sees each write before it is made, also in a dry run: how vfk_bind()'s callers watch. */
typedef void (*path_write_listener_fn)(void *data, const char *path, const char *value);
void path_set_write_listener(struct vfk_ctx *ctx, path_write_listener_fn fn, void *data);
/* With @dry_run, writes are only shown to the listener. */
void path_set_dry_run(struct vfk_ctx *ctx, bool dry_run);
bool path_is_dry_run(const struct vfk_ctx *ctx);

/* Sees each command the library would run (argv, NULL-terminated) in place of running it;
 * returns its exit status, or -errno. Tests fake systemctl here. */
typedef int (*path_run_observer_fn)(void *data, const char *const *argv);
void path_set_run_observer(struct vfk_ctx *ctx, path_run_observer_fn fn, void *data);
/* Runs @argv (argv[0] looked up in PATH) with stdin and stdout on /dev/null and waits:
 * returns its exit status (0-255), or -errno when it could not run or was killed. In a
 * dry run nothing runs (0). Commands act on the running system, so below a root that is
 * not this machine's, only the run observer sees them: -EOPNOTSUPP without one. */
int path_run(struct vfk_ctx *ctx, const char *const *argv);

/* Creates @path and its missing parents below the root with @mode; 0 if it exists as a
 * directory. */
int path_mkdir_p(struct vfk_ctx *ctx, const char *path, mode_t mode);

/* Replaces the file at @path with @data: a new file (O_EXCL, O_NOFOLLOW, 0600) in the same
 * directory, fsync, rename over @path, fsync of the directory. */
int path_write_atomic(struct vfk_ctx *ctx, const char *path, const void *data, size_t len);

/* path_write_atomic() with @mode, for configuration files; counted as a mutating call
 * (fault injection). */
int path_write_file(struct vfk_ctx *ctx, const char *path, const void *data, size_t len,
		    mode_t mode);
/* path_write_file() that also gives the file @uid and @gid ((uid_t)-1 and (gid_t)-1:
 * the writer's), as a file being replaced had them. */
int path_write_file_owned(struct vfk_ctx *ctx, const char *path, const void *data, size_t len,
			  mode_t mode, uid_t uid, gid_t gid);
/* Removes the file at @path (not a directory) and syncs its directory; counted. */
int path_unlink(struct vfk_ctx *ctx, const char *path);
/* Removes the empty directory at @path and syncs its parent; counted. */
int path_rmdir(struct vfk_ctx *ctx, const char *path);
/* lstat() of @path below the root. */
int path_stat(struct vfk_ctx *ctx, const char *path, struct stat *ret);
/* chown() of @path (not following a final link), then chmod() unless @mode is (mode_t)-1;
 * neither opens the file itself. */
int path_set_owner(struct vfk_ctx *ctx, const char *path, uid_t uid, gid_t gid, mode_t mode);

/* Takes an exclusive flock on @path (created 0600); returns the fd that holds it, -EBUSY
 * when another process has it. */
int path_lock(struct vfk_ctx *ctx, const char *path);

/* Writes @value to the attribute or file at @path (O_WRONLY, no create, no truncation
 * beyond the kernel's own). Goes through the fault-injection table. */
int path_write(struct vfk_ctx *ctx, const char *path, const char *value);

/* Joins @dir and @rel (which may hold ".." and "." components) into @buf, lexically,
 * without leaving the root. Used to turn relative link targets into root paths. */
int path_join_normalize(const char *dir, const char *rel, char *buf, size_t size);

/*
 * Fault injection for tests: the Nth mutating call (write) fails with @error. Counting
 * starts when set; n = 0 turns it off. Returns the number of mutating calls so far.
 */
void path_fault_set(struct vfk_ctx *ctx, unsigned int nth, int error);
unsigned int path_fault_count(const struct vfk_ctx *ctx);

/* Reads binary content of a single-component @name in @dirfd; returns bytes read. */
ssize_t path_read_bin_at(int dirfd, const char *name, void *buf, size_t size);
