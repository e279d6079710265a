/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI devices and IOMMU groups as the kernel shows them in sysfs.
 *
 * Objects are snapshots: they are read once when created and do not change afterwards.
 * Attributes that are missing, empty, truncated or garbage in sysfs are reported as
 * unknown (-ENODATA or NULL) on that object alone; they never make enumeration fail.
 */
#ifndef VFIOKIT_PCI_H
#define VFIOKIT_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfiokit/addr.h>
#include <vfiokit/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct vfk_device - Opaque, reference-counted snapshot of one PCI function. */
struct vfk_device;

/** struct vfk_group - Opaque, reference-counted snapshot of one IOMMU group. */
struct vfk_group;

/**
 * enum vfk_header_type - PCI configuration header layout (config byte 0x0e, bits 0-6).
 * @VFK_HEADER_UNKNOWN: config space could not be read and sysfs gave no hint.
 * @VFK_HEADER_NORMAL: type 0, an endpoint.
 * @VFK_HEADER_BRIDGE: type 1, a PCI-to-PCI bridge or PCIe port.
 * @VFK_HEADER_CARDBUS: type 2, a CardBus bridge.
 */
enum vfk_header_type {
	VFK_HEADER_UNKNOWN = -1,
	VFK_HEADER_NORMAL = 0,
	VFK_HEADER_BRIDGE = 1,
	VFK_HEADER_CARDBUS = 2,
};

/**
 * enum vfk_class_kind - Coarse device kinds, for filters and for grouping output.
 * @VFK_CLASS_OTHER: none of the below.
 * @VFK_CLASS_GPU: display controllers (base class 0x03).
 * @VFK_CLASS_NET: network controllers (0x02).
 * @VFK_CLASS_STORAGE: mass storage controllers (0x01).
 * @VFK_CLASS_USB: USB controllers (0x0c03).
 * @VFK_CLASS_AUDIO: audio devices (0x0401, 0x0403).
 * @VFK_CLASS_BRIDGE: bridges (0x06).
 * @_VFK_CLASS_MAX: number of kinds.
 */
enum vfk_class_kind {
	VFK_CLASS_OTHER,
	VFK_CLASS_GPU,
	VFK_CLASS_NET,
	VFK_CLASS_STORAGE,
	VFK_CLASS_USB,
	VFK_CLASS_AUDIO,
	VFK_CLASS_BRIDGE,
	_VFK_CLASS_MAX,
};

/**
 * vfk_class_kind_of() - The coarse kind of a 24-bit class code.
 * @class_code: base class, subclass and programming interface, e.g. 0x030000.
 *
 * Return: the kind.
 *
 * Since: 0.1
 */
enum vfk_class_kind vfk_class_kind_of(uint32_t class_code);

/**
 * vfk_class_kind_from_string() - Parse a kind name.
 * @s: "gpu", "net", "storage", "usb", "audio", "bridge" or "other".
 *
 * Return: the kind, or -EINVAL for any other string.
 *
 * Since: 0.1
 */
int vfk_class_kind_from_string(const char *s);

/**
 * vfk_class_kind_to_string() - The name of a kind.
 * @kind: a kind.
 *
 * Return: a static string, or NULL for a value out of range.
 *
 * Since: 0.1
 */
const char *vfk_class_kind_to_string(enum vfk_class_kind kind);

/**
 * vfk_device_new() - Read one PCI function from sysfs.
 * @ctx: the context.
 * @addr: the function's address.
 * @ret: on success, a new device with a reference count of one.
 *
 * Return: 0 on success; -ENODEV when sysfs has no such function; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_device_new(struct vfk_ctx *ctx, const struct vfk_addr *addr, struct vfk_device **ret);

/**
 * vfk_device_new_from_string() - Resolve a user-supplied address and read the function.
 * @ctx: the context.
 * @s: a full address, or a short one without a domain. The short form is expanded only
 *     when exactly one PCI domain has a function at that bus, device and function. Also
 *     the name of what a function provides: a network interface ("enp4s0"), a block
 *     device ("nvme0n1", "/dev/sda") or a DRM card ("card1", "/dev/dri/card1"), found
 *     through /sys/class below the context's root.
 * @ret: on success, a new device with a reference count of one.
 *
 * Return: 0 on success; -EINVAL when @s is neither an address nor such a name; -ERANGE
 * for a device or function out of range; -ENODEV when no such function (or /dev path)
 * exists; -ENXIO when the name belongs to no PCI function (a bridge interface, a loop
 * device); -ENOTUNIQ when the short form matches functions in several domains; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_device_new_from_string(struct vfk_ctx *ctx, const char *s, struct vfk_device **ret);

/**
 * vfk_device_ref() - Take a reference.
 * @dev: the device, or NULL.
 *
 * Return: @dev.
 *
 * Since: 0.1
 */
struct vfk_device *vfk_device_ref(struct vfk_device *dev);

/**
 * vfk_device_unref() - Drop a reference, freeing the device with the last one.
 * @dev: the device, or NULL.
 *
 * Return: NULL.
 *
 * Since: 0.1
 */
struct vfk_device *vfk_device_unref(struct vfk_device *dev);

/**
 * vfk_device_get_addr() - The function's address.
 * @dev: the device.
 *
 * Return: borrowed; valid as long as @dev.
 *
 * Since: 0.1
 */
const struct vfk_addr *vfk_device_get_addr(const struct vfk_device *dev);

/**
 * vfk_device_get_bdf() - The function's canonical address as a string.
 * @dev: the device.
 *
 * Return: e.g. "0000:0a:00.0"; borrowed, valid as long as @dev.
 *
 * Since: 0.1
 */
const char *vfk_device_get_bdf(const struct vfk_device *dev);

/**
 * vfk_device_get_syspath() - The function's directory below the root.
 * @dev: the device.
 *
 * Return: e.g. "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0", with the physical
 * parent chain in it; borrowed, valid as long as @dev.
 *
 * Since: 0.1
 */
const char *vfk_device_get_syspath(const struct vfk_device *dev);

/**
 * vfk_device_get_ids() - Vendor and device id.
 * @dev: the device.
 * @ret_vendor: the vendor id; may be NULL.
 * @ret_device: the device id; may be NULL.
 *
 * Return: 0 on success; -ENODATA when either id is missing or unreadable in sysfs.
 *
 * Since: 0.1
 */
int vfk_device_get_ids(const struct vfk_device *dev, uint16_t *ret_vendor, uint16_t *ret_device);

/**
 * vfk_device_get_subsystem_ids() - Subsystem vendor and device id.
 * @dev: the device.
 * @ret_vendor: the subsystem vendor id; may be NULL.
 * @ret_device: the subsystem device id; may be NULL.
 *
 * Return: 0 on success; -ENODATA when unknown (bridges often have none).
 *
 * Since: 0.1
 */
int vfk_device_get_subsystem_ids(const struct vfk_device *dev, uint16_t *ret_vendor,
				 uint16_t *ret_device);

/**
 * vfk_device_get_class() - The 24-bit class code.
 * @dev: the device.
 * @ret: e.g. 0x030000 for a VGA controller.
 *
 * Return: 0 on success; -ENODATA when unknown.
 *
 * Since: 0.1
 */
int vfk_device_get_class(const struct vfk_device *dev, uint32_t *ret);

/**
 * vfk_device_get_revision() - The revision id.
 * @dev: the device.
 * @ret: the revision.
 *
 * Return: 0 on success; -ENODATA when unknown.
 *
 * Since: 0.1
 */
int vfk_device_get_revision(const struct vfk_device *dev, uint8_t *ret);

/**
 * vfk_device_get_header_type() - Endpoint or bridge.
 * @dev: the device.
 *
 * Read from config space; when that is unreadable, a function with a child bus
 * (a "pci_bus" directory in sysfs) is taken to be a bridge.
 *
 * Return: the header type, %VFK_HEADER_UNKNOWN when it cannot be told.
 *
 * Since: 0.1
 */
enum vfk_header_type vfk_device_get_header_type(const struct vfk_device *dev);

/**
 * vfk_device_is_multifunction() - Whether the slot has several functions.
 * @dev: the device.
 *
 * Return: 1 when config space says so, 0 when it says not, -ENODATA when unreadable.
 *
 * Since: 0.1
 */
int vfk_device_is_multifunction(const struct vfk_device *dev);

/**
 * vfk_device_get_driver() - The driver the function is bound to.
 * @dev: the device.
 *
 * Return: the driver's name (borrowed), or NULL when no driver is bound.
 *
 * Since: 0.1
 */
const char *vfk_device_get_driver(const struct vfk_device *dev);

/**
 * vfk_device_is_vfio_bound() - Whether the function is bound to vfio-pci or a vfio
 * variant driver (mlx5_vfio_pci, nvgrace_gpu_vfio_pci, ...).
 * @dev: the device.
 *
 * Variant drivers are recognised by the "vfio-dev" directory they create, or by a
 * driver name ending in "vfio-pci"/"vfio_pci".
 *
 * Return: true or false.
 *
 * Since: 0.1
 */
bool vfk_device_is_vfio_bound(const struct vfk_device *dev);

/**
 * vfk_device_get_driver_override() - The "driver_override" attribute.
 * @dev: the device.
 *
 * Return: the driver name (borrowed), or NULL when unset (the kernel shows "(null)")
 * or unreadable.
 *
 * Since: 0.1
 */
const char *vfk_device_get_driver_override(const struct vfk_device *dev);

/**
 * vfk_device_get_numa_node() - The NUMA node the function is attached to.
 * @dev: the device.
 * @ret: the node number; -1 when the platform does not say.
 *
 * Return: 0 on success; -ENODATA when the attribute is missing or garbage.
 *
 * Since: 0.1
 */
int vfk_device_get_numa_node(const struct vfk_device *dev, int *ret);

/**
 * vfk_device_is_boot_vga() - Whether firmware used this function as the boot display.
 * @dev: the device.
 *
 * Return: 1 or 0; -ENODATA when the attribute is absent (non-VGA functions have none).
 *
 * Since: 0.1
 */
int vfk_device_is_boot_vga(const struct vfk_device *dev);

/**
 * vfk_device_get_reset_methods() - The kernel's reset methods, in the order it tries them.
 * @dev: the device.
 *
 * Return: a space-separated list such as "flr bus" (borrowed); "" when the function
 * cannot be reset; NULL when the kernel has no "reset_method" attribute (before 5.15)
 * or it is unreadable.
 *
 * Since: 0.1
 */
const char *vfk_device_get_reset_methods(const struct vfk_device *dev);

/**
 * vfk_device_get_power_state() - The current power state.
 * @dev: the device.
 *
 * Return: "D0", "D3hot", "D3cold", ... (borrowed), or NULL when unknown.
 *
 * Since: 0.1
 */
const char *vfk_device_get_power_state(const struct vfk_device *dev);

/**
 * vfk_device_get_iommu_group() - The IOMMU group number.
 * @dev: the device.
 * @ret: the group number.
 *
 * Return: 0 on success; -ENOENT when the function has no group (IOMMU off or absent);
 * -ENODATA when the link exists but does not name a group.
 *
 * Since: 0.1
 */
int vfk_device_get_iommu_group(const struct vfk_device *dev, unsigned int *ret);

/**
 * vfk_device_get_parent_addr() - The bridge or port directly above the function.
 * @dev: the device.
 * @ret: the parent's address.
 *
 * Return: 0 on success; -ENOENT for a function on a root bus.
 *
 * Since: 0.1
 */
int vfk_device_get_parent_addr(const struct vfk_device *dev, struct vfk_addr *ret);

/**
 * vfk_device_get_physfn() - The physical function of an SR-IOV virtual function.
 * @dev: the device.
 * @ret: the physical function's address.
 *
 * Return: 0 on success; -ENOENT when @dev is not a virtual function.
 *
 * Since: 0.1
 */
int vfk_device_get_physfn(const struct vfk_device *dev, struct vfk_addr *ret);

/**
 * vfk_device_get_sriov() - SR-IOV capacity of a physical function.
 * @dev: the device.
 * @ret_total: the most virtual functions it can have; may be NULL.
 * @ret_num: how many are enabled now; may be NULL.
 *
 * Return: 0 on success; -ENOENT when @dev has no SR-IOV capability.
 *
 * Since: 0.1
 */
int vfk_device_get_sriov(const struct vfk_device *dev, unsigned int *ret_total,
			 unsigned int *ret_num);

/**
 * vfk_device_get_vendor_name() - The vendor's name from pci.ids.
 * @dev: the device.
 *
 * Return: the name (borrowed), or NULL when the ids are unknown or not in the database.
 *
 * Since: 0.1
 */
const char *vfk_device_get_vendor_name(struct vfk_device *dev);

/**
 * vfk_device_get_device_name() - The device's name from pci.ids.
 * @dev: the device.
 *
 * Return: the name (borrowed), or NULL when unknown.
 *
 * Since: 0.1
 */
const char *vfk_device_get_device_name(struct vfk_device *dev);

/**
 * vfk_device_get_class_name() - The name of the device's class (or subclass) from pci.ids.
 * @dev: the device.
 *
 * Return: e.g. "VGA compatible controller" (borrowed), or NULL when unknown.
 *
 * Since: 0.1
 */
const char *vfk_device_get_class_name(struct vfk_device *dev);

/**
 * vfk_ctx_get_devices() - All PCI functions, sorted by address.
 * @ctx: the context.
 * @ret: on success, an array of new references; free it with vfk_device_list_free().
 * @ret_n: on success, the number of entries.
 *
 * Entries of /sys/bus/pci/devices that are not PCI addresses are skipped; a function
 * that vanishes while it is read is left out.
 *
 * From 512 functions on, the reads are shared among the calling thread and more threads,
 * one per 256 functions and per CPU the process may run on (sched_getaffinity(2)), eight
 * at most. They block every signal and have ended when the call returns. A process pinned
 * to one CPU reads on the calling thread alone.
 *
 * Return: 0 on success (an empty list is a success); -ENOENT when the root has no
 * /sys/bus/pci/devices; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_ctx_get_devices(struct vfk_ctx *ctx, struct vfk_device ***ret, size_t *ret_n);

/**
 * vfk_device_list_free() - Drop the references in a list and free it.
 * @list: an array from vfk_ctx_get_devices(), or NULL.
 * @n: its number of entries.
 *
 * Since: 0.1
 */
void vfk_device_list_free(struct vfk_device **list, size_t n);

/**
 * enum vfk_net_reason - Why a network interface counts as active, as bits.
 * @VFK_NET_DEFAULT_ROUTE: it carries a default route (IPv4 or IPv6), itself or through an
 *                         interface stacked on it (its bridge or bond master, a VLAN).
 * @VFK_NET_ADDRESSES: it, or an interface stacked on it, has an IP address other than an
 *                     IPv6 link-local one.
 * @VFK_NET_SSH_SESSION: this process's SSH session ($SSH_CONNECTION) arrives on it or on
 *                       an interface stacked on it; known only on the running system.
 * @VFK_NET_UP: its operational state is "up".
 */
enum vfk_net_reason {
	VFK_NET_DEFAULT_ROUTE = 1 << 0,
	VFK_NET_ADDRESSES = 1 << 1,
	VFK_NET_SSH_SESSION = 1 << 2,
	VFK_NET_UP = 1 << 3,
};

/**
 * struct vfk_net_iface - One network interface of a PCI function.
 * @name: the interface's name.
 * @reasons: the &enum vfk_net_reason bits that hold; the interface is active when any does.
 */
struct vfk_net_iface {
	char *name;
	unsigned int reasons;
};

/**
 * vfk_device_get_net_ifaces() - The network interfaces of a function, and which are active.
 * @dev: the device.
 * @ret: on success, an array sorted by name, or NULL when there are none; free it with
 *       vfk_net_iface_list_free().
 * @ret_n: on success, the number of entries.
 *
 * The interfaces are those the function's driver made (net/ below the device, or below a
 * child device such as virtio's). Whether each is active is read afresh: on the running
 * system from the kernel (rtnetlink for routes, getifaddrs() for addresses, sysfs for
 * the state); below another root from that tree alone, its proc/net/route,
 * proc/net/ipv6_route, proc/net/if_inet6 and sysfs files, and never as
 * %VFK_NET_SSH_SESSION. Facts that cannot be read count as not holding.
 *
 * Return: 0 on success, also when the function has no interface (a driver that is not a
 * network one, or none); -EINVAL; -ENOMEM.
 *
 * Since: 0.2
 */
int vfk_device_get_net_ifaces(struct vfk_device *dev, struct vfk_net_iface **ret, size_t *ret_n);

/**
 * vfk_net_iface_list_free() - Free an array from vfk_device_get_net_ifaces().
 * @list: the array, or NULL.
 * @n: its number of entries.
 *
 * Since: 0.2
 */
void vfk_net_iface_list_free(struct vfk_net_iface *list, size_t n);

/**
 * enum vfk_resv_type - Kinds of IOMMU reserved regions (sysfs "reserved_regions").
 * @VFK_RESV_DIRECT: must be identity-mapped (RMRR).
 * @VFK_RESV_DIRECT_RELAXABLE: identity-mapped, relaxable for device assignment.
 * @VFK_RESV_RESERVED: never mapped.
 * @VFK_RESV_MSI: hardware MSI window.
 * @VFK_RESV_SW_MSI: software-managed MSI window.
 * @VFK_RESV_UNKNOWN: a type this library does not know.
 */
enum vfk_resv_type {
	VFK_RESV_DIRECT,
	VFK_RESV_DIRECT_RELAXABLE,
	VFK_RESV_RESERVED,
	VFK_RESV_MSI,
	VFK_RESV_SW_MSI,
	VFK_RESV_UNKNOWN,
};

/**
 * struct vfk_resv_region - One IOVA range the IOMMU keeps for itself.
 * @start: first address.
 * @end: last address, inclusive.
 * @type: its kind.
 */
struct vfk_resv_region {
	uint64_t start;
	uint64_t end;
	enum vfk_resv_type type;
};

/**
 * vfk_resv_type_to_string() - The kernel's name of a region type.
 * @type: the type.
 *
 * Return: "direct", "direct-relaxable", "reserved", "msi", "sw-msi" or "unknown".
 *
 * Since: 0.1
 */
const char *vfk_resv_type_to_string(enum vfk_resv_type type);

/**
 * vfk_group_new() - Read one IOMMU group.
 * @ctx: the context.
 * @id: the group number.
 * @ret: on success, a new group with a reference count of one.
 *
 * Return: 0 on success; -ENOENT when the group does not exist; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_group_new(struct vfk_ctx *ctx, unsigned int id, struct vfk_group **ret);

/**
 * vfk_group_ref() - Take a reference.
 * @group: the group, or NULL.
 *
 * Return: @group.
 *
 * Since: 0.1
 */
struct vfk_group *vfk_group_ref(struct vfk_group *group);

/**
 * vfk_group_unref() - Drop a reference.
 * @group: the group, or NULL.
 *
 * Return: NULL.
 *
 * Since: 0.1
 */
struct vfk_group *vfk_group_unref(struct vfk_group *group);

/**
 * vfk_group_get_id() - The group number.
 * @group: the group.
 *
 * Return: the number.
 *
 * Since: 0.1
 */
unsigned int vfk_group_get_id(const struct vfk_group *group);

/**
 * vfk_group_get_type() - The group's default domain type.
 * @group: the group.
 *
 * Return: "DMA", "DMA-FQ", "identity", "blocked" or "unmanaged" as the kernel says it
 * (borrowed), or NULL when the attribute is missing (kernels before 5.11).
 *
 * Since: 0.1
 */
const char *vfk_group_get_type(const struct vfk_group *group);

/**
 * vfk_group_get_n_devices() - How many PCI functions the group has.
 * @group: the group.
 *
 * Return: the count. Members that are not PCI functions are not counted.
 *
 * Since: 0.1
 */
size_t vfk_group_get_n_devices(const struct vfk_group *group);

/**
 * vfk_group_get_device() - One member, in address order.
 * @group: the group.
 * @i: index below vfk_group_get_n_devices().
 *
 * Return: the member (borrowed; take a reference to keep it), or NULL when @i is out
 * of range.
 *
 * Since: 0.1
 */
struct vfk_device *vfk_group_get_device(const struct vfk_group *group, size_t i);

/**
 * vfk_group_get_reserved_regions() - The group's reserved IOVA regions, sorted by start.
 * @group: the group.
 * @ret: the array (borrowed).
 * @ret_n: its number of entries.
 *
 * Return: 0 on success; -ENODATA when the attribute is missing or unparsable.
 *
 * Since: 0.1
 */
int vfk_group_get_reserved_regions(const struct vfk_group *group,
				   const struct vfk_resv_region **ret, size_t *ret_n);

/**
 * vfk_ctx_get_groups() - All IOMMU groups, sorted by number.
 * @ctx: the context.
 * @ret: on success, an array of new references; free it with vfk_group_list_free().
 * @ret_n: on success, the number of entries; 0 when the IOMMU is off.
 *
 * Return: 0 on success; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_ctx_get_groups(struct vfk_ctx *ctx, struct vfk_group ***ret, size_t *ret_n);

/**
 * vfk_ctx_group_devices() - Sort already-read devices into their IOMMU groups.
 * @ctx: the context.
 * @devices: devices, e.g. from vfk_ctx_get_devices().
 * @n_devices: number of @devices.
 * @ret: on success, every IOMMU group of the system sorted by number, each holding a
 *       reference to those of @devices that belong to it; free with vfk_group_list_free().
 * @ret_n: on success, the number of groups; 0 when the IOMMU is off.
 *
 * Saves reading every device twice when a caller needs both the devices and the groups.
 * Groups with no member among @devices are still listed, with no members. The groups'
 * attributes are read on several threads as vfk_ctx_get_devices() reads devices, from 512
 * groups on.
 *
 * Return: 0 on success; -ENOMEM.
 *
 * Since: 0.1
 */
int vfk_ctx_group_devices(struct vfk_ctx *ctx, struct vfk_device *const *devices, size_t n_devices,
			  struct vfk_group ***ret, size_t *ret_n);

/**
 * vfk_group_list_free() - Drop the references in a list and free it.
 * @list: an array from vfk_ctx_get_groups(), or NULL.
 * @n: its number of entries.
 *
 * Since: 0.1
 */
void vfk_group_list_free(struct vfk_group **list, size_t n);

#ifdef __cplusplus
}
#endif

#endif
