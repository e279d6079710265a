/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvfiokit - Linux VFIO PCI passthrough toolkit.
 *
 * Umbrella header: include this and nothing else.
 */
#ifndef VFIOKIT_VFIOKIT_H
#define VFIOKIT_VFIOKIT_H

#include <vfiokit/ctx.h>
#include <vfiokit/addr.h>
#include <vfiokit/pci.h>
#include <vfiokit/doctor.h>
#include <vfiokit/snapshot.h>
#include <vfiokit/plan.h>
#include <vfiokit/bind.h>
#include <vfiokit/vm.h>
#include <vfiokit/persist.h>
#include <vfiokit/iommu.h>
#include <vfiokit/vfio.h>

#endif
