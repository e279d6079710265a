// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"

#define XML_MAX (16u << 20)
#define HOSTDEVS_MAX 256

/* An element child's name, NULL for text, comments and namespaced elements (libvirt's
 * own elements have no namespace; metadata of other tools has one). */
static const char *elem_name(const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE || n->ns)
		return NULL;
	return (const char *)n->name;
}

static xmlNode *first_child(xmlNode *parent, const char *name)
{
	for (xmlNode *n = parent->children; n; n = n->next)
		if (streq_ptr(elem_name(n), name))
			return n;
	return NULL;
}

/* The attribute's value, malloc'd by libxml2; NULL when absent. Namespaced attributes
 * do not count. */
static char *attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* A number as libvirt reads address attributes (strtoul base 0), whole and in range; a
 * sign or blank is not one. */
static int parse_num(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s || !(s[0] >= '0' && s[0] <= '9'))
		return -EBADMSG;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static int hostdev_addr(xmlNode *hostdev, size_t idx, struct vfk_addr *ret, char **detail)
{
	static const struct {
		const char *name;
		unsigned long max;
		bool optional;
	} fields[] = {
		{"domain", 0xffff, true},
		{"bus", 0xff, false},
		{"slot", 0x1f, false},
		{"function", 0x7, false},
	};
	unsigned long v[4] = {0};
	xmlNode *source = first_child(hostdev, "source"), *address;
	char *type;

	address = source ? first_child(source, "address") : NULL;
	if (!address) {
		detail_add(detail,
			   "domain XML: PCI <hostdev> %zu has no <source><address .../></source>",
			   idx);
		return -EBADMSG;
	}
	type = attr(address, "type");
	if (type && !streq(type, "pci")) {
		detail_add(detail,
			   "domain XML: PCI <hostdev> %zu: address type='%.32s' is not 'pci'", idx,
			   type);
		xmlFree(type);
		return -EBADMSG;
	}
	xmlFree(type);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *s = attr(address, fields[i].name);
		int err = 0;

		if (s || !fields[i].optional)
			err = parse_num(s, fields[i].max, &v[i]);
		if (err < 0)
			detail_add(
				detail,
				"domain XML: PCI <hostdev> %zu: %s='%.32s' is not a number from 0 "
				"to 0x%lx",
				idx, fields[i].name, s ? s : "(missing)", fields[i].max);
		xmlFree(s);
		if (err < 0)
			return err;
	}
	*ret = (struct vfk_addr){.domain = (uint32_t)v[0],
				 .bus = (uint8_t)v[1],
				 .dev = (uint8_t)v[2],
				 .fn = (uint8_t)v[3]};
	return 0;
}

static bool addr_eq(const struct vfk_addr *a, const struct vfk_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

/* The PCI hostdevs of /domain/devices into @list (room for HOSTDEVS_MAX). */
static int collect(xmlNode *devices, struct vfk_addr *list, size_t *n, size_t *n_managed,
		   char **detail)
{
	size_t idx = 0;

	for (xmlNode *h = devices->children; h; h = h->next) {
		char *mode, *type, *managed;
		bool pci, skip = false;
		struct vfk_addr a;
		int err = 0;

		if (!streq_ptr(elem_name(h), "hostdev"))
			continue;
		mode = attr(h, "mode");
		type = attr(h, "type");
		managed = attr(h, "managed");
		/* libvirt's default mode is subsystem. */
		pci = (!mode || streq(mode, "subsystem")) && streq_ptr(type, "pci");
		if (pci) {
			idx++;
			if (managed && streq(managed, "yes")) {
				(*n_managed)++;
				skip = true;
			} else if (managed && !streq(managed, "no")) {
				detail_add(detail,
					   "domain XML: PCI <hostdev> %zu: managed='%.32s' is not "
					   "'yes' or 'no'",
					   idx, managed);
				err = -EBADMSG;
			}
		}
		xmlFree(mode);
		xmlFree(type);
		xmlFree(managed);
		if (err < 0)
			return err;
		if (!pci || skip)
			continue;
		err = hostdev_addr(h, idx, &a, detail);
		if (err < 0)
			return err;
		for (size_t i = 0; i < *n; i++)
			if (addr_eq(&list[i], &a)) {
				skip = true;
				break;
			}
		if (skip)
			continue;
		if (*n >= HOSTDEVS_MAX) {
			detail_add(detail, "domain XML: more than %d PCI hostdevs", HOSTDEVS_MAX);
			return -EFBIG;
		}
		list[(*n)++] = a;
	}
	return 0;
}

VFK_EXPORT int vfk_libvirt_get_hostdevs(const char *xml, size_t len, char **ret_name,
					struct vfk_addr **ret, size_t *ret_n, size_t *ret_n_managed,
					char **ret_detail)
{
	xmlParserCtxt *pctx = NULL;
	xmlDoc *doc = NULL;
	xmlNode *root, *node;
	struct vfk_addr *list = NULL;
	size_t n = 0, n_managed = 0;
	char *name = NULL;
	char *detail = NULL;
	int err = -EBADMSG;

	assert_return(xml && ret && ret_n, -EINVAL);
	if (len > XML_MAX) {
		detail_add(&detail, "domain XML: %zu bytes, more than the %u a domain may have",
			   len, XML_MAX);
		err = -EFBIG;
		goto out;
	}
	pctx = xmlNewParserCtxt();
	list = calloc(HOSTDEVS_MAX, sizeof(*list));
	if (!pctx || !list) {
		err = -ENOMEM;
		goto out;
	}
	/* No network, no entity substitution, no DTD loading, silent: the errors come back
	 * through the context. XML_PARSE_HUGE stays off, which keeps libxml2's depth and
	 * text-size limits. */
	doc = xmlCtxtReadMemory(pctx, xml, (int)len, "domain.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(pctx);

		detail_add(&detail, "domain XML: not well-formed: line %d: %.200s", e ? e->line : 0,
			   e && e->message ? e->message : "parse error");
		/* libxml2's messages end with a newline. */
		if (detail && detail[0] && detail[strlen(detail) - 1] == '\n')
			detail[strlen(detail) - 1] = '\0';
		goto out;
	}
	if (doc->intSubset || doc->extSubset) {
		detail_add(&detail, "domain XML: has a DOCTYPE, which libvirt never writes");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !streq_ptr(elem_name(root), "domain")) {
		detail_add(&detail, "domain XML: the root element is not <domain>");
		goto out;
	}
	node = first_child(root, "name");
	if (ret_name) {
		xmlChar *s = node ? xmlNodeGetContent(node) : NULL;

		if (!s || !*s) {
			xmlFree(s);
			detail_add(&detail, "domain XML: <domain> has no <name>");
			goto out;
		}
		name = strdup((const char *)s);
		xmlFree(s);
		if (!name) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (node = root->children; node; node = node->next) {
		if (!streq_ptr(elem_name(node), "devices"))
			continue;
		err = collect(node, list, &n, &n_managed, &detail);
		if (err < 0)
			goto out;
	}
	err = 0;
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	*ret = TAKE_PTR(list);
	*ret_n = n;
	if (ret_n_managed)
		*ret_n_managed = n_managed;
out:
	free(name);
	free(list);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pctx);
	if (err < 0 && ret_detail)
		*ret_detail = TAKE_PTR(detail);
	free(detail);
	return err;
}
