/* The metadata tree: directories list their children (sub-directories
 * with a trailing "/"), leaves hold a value or say which live document
 * to render. Children are kept sorted, as IMDS lists them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "common/xmalloc.h"

struct sim_node *
sim_tree_new(void)
{
	struct sim_node *n = xcalloc(1, sizeof *n);

	n->name = xstrdup("");
	n->kind = SIM_DIR;
	return n;
}

/* The child called name[0..len), created (sorted in) when absent. */
static struct sim_node *
sim_tree_child(struct sim_node *dir, const char *name, size_t len, int make)
{
	struct sim_node **pp = &dir->child, *n;
	int c;

	for (; (n = *pp) != NULL; pp = &n->next) {
		c = strncmp(n->name, name, len);
		if (c == 0 && n->name[len] == '\0')
			return n;
		if (c > 0)
			break;
	}
	if (!make)
		return NULL;
	n = xcalloc(1, sizeof *n);
	n->name = xstrndup(name, len);
	n->kind = SIM_DIR;
	n->next = *pp;
	*pp = n;
	return n;
}

/* Add a leaf at path ("meta-data/placement/region"), making the
 * directories on the way. */
struct sim_node *
sim_tree_add(struct sim_node *root, const char *path, enum sim_kind kind,
             const char *text)
{
	struct sim_node *n = root;
	const char *s = path, *e;

	for (;;) {
		e = strchr(s, '/');
		n = sim_tree_child(n, s, e ? (size_t)(e - s) : strlen(s), 1);
		if (e == NULL)
			break;
		s = e + 1;
	}
	n->kind = kind;
	free(n->text);
	n->text = text ? xstrdup(text) : NULL;
	return n;
}

/* The node at path (below a version: "meta-data/iam/"), or NULL. A
 * directory is found with or without its trailing slash, a leaf too. */
const struct sim_node *
sim_tree_lookup(const struct sim_node *root, const char *path)
{
	const struct sim_node *n = root;
	const char *s = path, *e;
	size_t len;

	while (*s != '\0') {
		if (n->kind != SIM_DIR)
			return NULL; /* a leaf has no children */
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0)
			return NULL; /* "a//b" */
		n = sim_tree_child((struct sim_node *)n, s, len, 0);
		if (n == NULL)
			return NULL;
		if (e == NULL)
			break;
		/* "leaf/" ends here too: IMDS serves the leaf, and botocore
		 * and the aws CLI ask placement/availability-zone/ for the
		 * region */
		s = e + 1;
	}
	return n;
}

/* One entry per line, no trailing newline. */
void
sim_tree_listing(const struct sim_node *dir, struct buf *b)
{
	const struct sim_node *n;

	for (n = dir->child; n != NULL; n = n->next) {
		if (n != dir->child)
			buf_addc(b, '\n');
		if (n->label != NULL)
			buf_addstr(b, n->label);
		else {
			buf_addstr(b, n->name);
			if (n->kind == SIM_DIR)
				buf_addc(b, '/');
		}
	}
}

void
sim_tree_free(struct sim_node *n)
{
	struct sim_node *c, *next;

	if (n == NULL)
		return;
	for (c = n->child; c != NULL; c = next) {
		next = c->next;
		sim_tree_free(c);
	}
	free(n->name);
	free(n->text);
	free(n->label);
	free(n);
}
