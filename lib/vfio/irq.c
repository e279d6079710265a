// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"
#include "iommu/iommu-private.h"
#include "uapi-compat.h"
#include "vfio/vfio-private.h"

/* enum vfk_irq_type is VFIO's PCI IRQ index, in the same order. */
static const unsigned int vfio_index[_VFK_IRQ_TYPE_MAX] = {
	[VFK_IRQ_INTX] = VFIO_PCI_INTX_IRQ_INDEX, [VFK_IRQ_MSI] = VFIO_PCI_MSI_IRQ_INDEX,
	[VFK_IRQ_MSIX] = VFIO_PCI_MSIX_IRQ_INDEX, [VFK_IRQ_ERR] = VFIO_PCI_ERR_IRQ_INDEX,
	[VFK_IRQ_REQ] = VFIO_PCI_REQ_IRQ_INDEX,
};

static const char *const type_names[_VFK_IRQ_TYPE_MAX] = {
	[VFK_IRQ_INTX] = "intx", [VFK_IRQ_MSI] = "msi", [VFK_IRQ_MSIX] = "msix",
	[VFK_IRQ_ERR] = "err",	 [VFK_IRQ_REQ] = "req",
};

VFK_EXPORT const char *vfk_irq_type_to_string(enum vfk_irq_type type)
{
	if ((unsigned int)type >= _VFK_IRQ_TYPE_MAX)
		return NULL;
	return type_names[type];
}

int vfio_irqs_load(struct vfk_vfio *v)
{
	unsigned int t;

	for (t = 0; t < _VFK_IRQ_TYPE_MAX; t++) {
		struct vfio_irq_info info = {.argsz = sizeof(info), .index = vfio_index[t]};
		struct vfio_irq *irq = &v->irqs[t];
		uint32_t i;

		/* ERR and REQ exist only on PCI Express devices; the kernel says EINVAL
		 * for the others, which is a count of zero. */
		if (ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &info) < 0)
			continue;
		irq->count = info.count;
		irq->flags = (info.flags & VFIO_IRQ_INFO_EVENTFD ? VFK_IRQ_EVENTFD : 0) |
			     (info.flags & VFIO_IRQ_INFO_MASKABLE ? VFK_IRQ_MASKABLE : 0) |
			     (info.flags & VFIO_IRQ_INFO_AUTOMASKED ? VFK_IRQ_AUTOMASKED : 0) |
			     (info.flags & VFIO_IRQ_INFO_NORESIZE ? VFK_IRQ_NORESIZE : 0);
		if (!irq->count)
			continue;
		irq->efds = malloc(irq->count * sizeof(*irq->efds));
		irq->owned = calloc(irq->count, sizeof(*irq->owned));
		if (!irq->efds || !irq->owned)
			return vfio_error(v, -ENOMEM, "out of memory");
		for (i = 0; i < irq->count; i++)
			irq->efds[i] = -1;
	}
	return 0;
}

void vfio_irqs_free(struct vfk_vfio *v)
{
	unsigned int t;

	for (t = 0; t < _VFK_IRQ_TYPE_MAX; t++) {
		free(v->irqs[t].efds);
		free(v->irqs[t].owned);
		memset(&v->irqs[t], 0, sizeof(v->irqs[t]));
	}
}

/* VFIO_DEVICE_SET_IRQS with @count eventfds (-1: that vector stays without trigger), or
 * with none (count 0: disable the whole index). */
static int set_irqs(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t action, uint32_t start,
		    uint32_t count, const int *fds)
{
	/* Triggers, unmasks and small enables are on the interrupt path: no allocation. */
	union {
		struct vfio_irq_set set;
		char bytes[sizeof(struct vfio_irq_set) + 32 * sizeof(int32_t)];
	} small;
	struct vfio_irq_set *set;
	size_t argsz = sizeof(*set) + (fds ? count * sizeof(int32_t) : 0);
	int r = 0;

	if (argsz <= sizeof(small)) {
		memset(&small, 0, argsz);
		set = &small.set;
	} else {
		set = calloc(1, argsz);
		if (!set)
			return -ENOMEM;
	}
	set->argsz = (uint32_t)argsz;
	set->flags = (fds ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE) | action;
	set->index = vfio_index[type];
	set->start = start;
	set->count = count;
	if (fds)
		memcpy(set->data, fds, count * sizeof(int32_t));
	if (ioctl(v->fd, VFIO_DEVICE_SET_IRQS, set) < 0)
		r = -errno;
	if (set != &small.set)
		free(set);
	return r;
}

static int set_irqs_error(struct vfk_vfio *v, enum vfk_irq_type type, int r, const char *what)
{
	if (r == -ENOSPC)
		return vfio_error(v, r, "%s %s: the host has no interrupt vectors left", what,
				  type_names[type]);
	return vfio_error(v, r, "%s %s (VFIO_DEVICE_SET_IRQS): %s", what, type_names[type],
			  strerror(-r));
}

/* One past the highest enabled vector. */
static uint32_t enabled_end(const struct vfio_irq *irq)
{
	uint32_t i;

	for (i = irq->count; i > 0; i--)
		if (irq->efds[i - 1] >= 0)
			return i;
	return 0;
}

/* All enabled vectors again in one call, from vector 0: what NORESIZE types and resets
 * need. */
static int set_all(struct vfk_vfio *v, enum vfk_irq_type type)
{
	struct vfio_irq *irq = &v->irqs[type];
	uint32_t end = enabled_end(irq);

	if (!end)
		return 0;
	return set_irqs(v, type, VFIO_IRQ_SET_ACTION_TRIGGER, 0, end, irq->efds);
}

static bool is_exclusive(enum vfk_irq_type t)
{
	return t == VFK_IRQ_INTX || t == VFK_IRQ_MSI || t == VFK_IRQ_MSIX;
}

static int check_type(struct vfk_vfio *v, enum vfk_irq_type type)
{
	if ((unsigned int)type >= _VFK_IRQ_TYPE_MAX)
		return vfio_error(v, -EINVAL, "interrupt type %d does not exist", (int)type);
	return 0;
}

static int check_vector(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector)
{
	int r = check_type(v, type);

	if (r < 0)
		return r;
	if (vector >= v->irqs[type].count)
		return vfio_error(v, -EINVAL, "no %s vector %u (it has %u)", type_names[type],
				  vector, v->irqs[type].count);
	return 0;
}

VFK_EXPORT int vfk_vfio_get_irq_info(struct vfk_vfio *v, enum vfk_irq_type type,
				     uint32_t *ret_count, uint32_t *ret_flags)
{
	int r;

	if (!v || !ret_count)
		return vfk_set_error(-EINVAL, "vfk_vfio_get_irq_info: no device or result pointer");
	r = check_type(v, type);
	if (r < 0)
		return r;
	*ret_count = v->irqs[type].count;
	if (ret_flags)
		*ret_flags = v->irqs[type].flags;
	return 0;
}

VFK_EXPORT int vfk_vfio_irq_enable(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t start,
				   uint32_t count, int *efds)
{
	struct vfio_irq *irq;
	int *fds = NULL, *old_fds = NULL;
	bool *old_owned = NULL;
	uint32_t i, t;
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_irq_enable: no device");
	r = check_type(v, type);
	if (r < 0)
		return r;
	irq = &v->irqs[type];
	if (!count || start >= irq->count || count > irq->count - start)
		return vfio_error(v, -EINVAL, "%s vectors %u..%u: it has %u", type_names[type],
				  start, start + count - 1, irq->count);

	pthread_mutex_lock(&v->lock);
	for (t = 0; t < _VFK_IRQ_TYPE_MAX; t++)
		if (t != type && is_exclusive(type) && is_exclusive(t) && v->irqs[t].n_enabled) {
			pthread_mutex_unlock(&v->lock);
			return vfio_error(v, -EBUSY,
					  "%s is enabled; disable it before enabling %s (INTx, "
					  "MSI and MSI-X exclude one another)",
					  type_names[t], type_names[type]);
		}

	fds = calloc(count, sizeof(*fds));
	old_fds = malloc(irq->count * sizeof(*old_fds));
	old_owned = malloc(irq->count * sizeof(*old_owned));
	if (!fds || !old_fds || !old_owned) {
		r = vfio_error(v, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		fds[i] = efds ? efds[i] : -1;
		if (fds[i] >= 0)
			continue;
		fds[i] = eventfd(0, EFD_CLOEXEC);
		if (fds[i] < 0) {
			r = vfio_error(v, -errno, "eventfd: %s", strerror(errno));
			while (i-- > 0)
				if (!efds || efds[i] < 0)
					close(fds[i]);
			goto out;
		}
	}
	memcpy(old_fds, irq->efds, irq->count * sizeof(*old_fds));
	memcpy(old_owned, irq->owned, irq->count * sizeof(*old_owned));
	for (i = 0; i < count; i++) {
		irq->efds[start + i] = fds[i];
		irq->owned[start + i] = !efds || efds[i] < 0;
	}

	if (irq->n_enabled && (irq->flags & VFK_IRQ_NORESIZE)) {
		/* The kernel allocated the vectors when the index was first enabled and will
		 * not grow it: take it down and set everything again. */
		r = set_irqs(v, type, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
		if (r == 0)
			r = set_all(v, type);
	} else {
		r = set_irqs(v, type, VFIO_IRQ_SET_ACTION_TRIGGER, start, count, fds);
	}
	if (r < 0) {
		for (i = 0; i < count; i++)
			if (irq->owned[start + i])
				close(fds[i]);
		memcpy(irq->efds, old_fds, irq->count * sizeof(*old_fds));
		memcpy(irq->owned, old_owned, irq->count * sizeof(*old_owned));
		/* What the NORESIZE path took down comes back as it was. */
		if (irq->n_enabled && (irq->flags & VFK_IRQ_NORESIZE))
			set_all(v, type);
		r = set_irqs_error(v, type, r, "enabling");
		goto out;
	}
	irq->n_enabled = 0;
	for (i = 0; i < irq->count; i++) {
		/* A vector enabled again with a new eventfd lets go of the one it had. */
		if (old_fds[i] >= 0 && old_fds[i] != irq->efds[i] && old_owned[i])
			close(old_fds[i]);
		irq->n_enabled += irq->efds[i] >= 0;
	}
	if (efds)
		memcpy(efds, fds, count * sizeof(*fds));
	r = 0;
out:
	pthread_mutex_unlock(&v->lock);
	free(fds);
	free(old_fds);
	free(old_owned);
	return r;
}

VFK_EXPORT int vfk_vfio_irq_disable(struct vfk_vfio *v, enum vfk_irq_type type)
{
	struct vfio_irq *irq;
	uint32_t i;
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_irq_disable: no device");
	r = check_type(v, type);
	if (r < 0)
		return r;
	irq = &v->irqs[type];
	pthread_mutex_lock(&v->lock);
	if (irq->n_enabled) {
		r = set_irqs(v, type, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
		/* The eventfds go either way: the caller asked for the vectors to stop, and a
		 * device whose file is gone has no triggers left anyway. */
		for (i = 0; i < irq->count; i++) {
			if (irq->efds[i] >= 0 && irq->owned[i])
				close(irq->efds[i]);
			irq->efds[i] = -1;
			irq->owned[i] = false;
		}
		irq->n_enabled = 0;
		if (r < 0)
			r = set_irqs_error(v, type, r, "disabling");
	}
	pthread_mutex_unlock(&v->lock);
	return r;
}

VFK_EXPORT int vfk_vfio_irq_get_eventfd(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector)
{
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_irq_get_eventfd: no device");
	r = check_vector(v, type, vector);
	if (r < 0)
		return r;
	pthread_mutex_lock(&v->lock);
	r = v->irqs[type].efds[vector];
	pthread_mutex_unlock(&v->lock);
	if (r < 0)
		return vfio_error(v, -ENOENT, "%s vector %u is not enabled", type_names[type],
				  vector);
	return r;
}

VFK_EXPORT int vfk_vfio_irq_unmask(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector)
{
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_irq_unmask: no device");
	r = check_vector(v, type, vector);
	if (r < 0)
		return r;
	r = set_irqs(v, type, VFIO_IRQ_SET_ACTION_UNMASK, vector, 1, NULL);
	if (r < 0)
		return set_irqs_error(v, type, r, "unmasking");
	return 0;
}

VFK_EXPORT int vfk_vfio_irq_trigger(struct vfk_vfio *v, enum vfk_irq_type type, uint32_t vector)
{
	int r;

	if (!v)
		return vfk_set_error(-EINVAL, "vfk_vfio_irq_trigger: no device");
	r = check_vector(v, type, vector);
	if (r < 0)
		return r;
	pthread_mutex_lock(&v->lock);
	if (v->irqs[type].efds[vector] < 0) {
		pthread_mutex_unlock(&v->lock);
		return vfio_error(v, -EINVAL, "%s vector %u is not enabled; enable it first",
				  type_names[type], vector);
	}
	r = set_irqs(v, type, VFIO_IRQ_SET_ACTION_TRIGGER, vector, 1, NULL);
	pthread_mutex_unlock(&v->lock);
	if (r < 0)
		return set_irqs_error(v, type, r, "triggering");
	return 0;
}

int vfio_irqs_rearm_locked(struct vfk_vfio *v)
{
	unsigned int t;
	int r, first = 0;

	for (t = 0; t < _VFK_IRQ_TYPE_MAX; t++) {
		if (!v->irqs[t].n_enabled)
			continue;
		r = set_irqs(v, (enum vfk_irq_type)t, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
		if (r == 0)
			r = set_all(v, (enum vfk_irq_type)t);
		if (r < 0 && !first)
			first = set_irqs_error(v, (enum vfk_irq_type)t, r, "re-arming");
	}
	return first;
}
