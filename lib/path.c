// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx-private.h"
#include "internal.h"
#include "path.h"

static ssize_t read_into(int fd, char *buf, size_t size);

/*
 * Where a file is expected, a FIFO, socket or device in a tree would block the open or the
 * read forever (or read without end): open without blocking and accept regular files only.
 */
static int only_regular(int fd)
{
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int err = negative_errno();

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

static const char *skip_slashes(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

#define OPENAT2_TRIES 200
#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY)

int path_open(struct vfk_ctx *ctx, const char *path, int flags)
{
	/*
	 * RESOLVE_IN_ROOT makes "/" and ".." in link targets stop at the root, exactly as
	 * chroot would, so a captured tree with absolute links cannot reach the host.
	 */
	struct open_how how = {
		.flags = (unsigned int)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	path = skip_slashes(path);
	/* openat2 asks for a retry when a rename anywhere in the system raced a lookup
	 * through "..", as sysfs links have; while devices are probed side by side (net
	 * devices being named) that happens often enough to need more than one. */
	for (int tries = 0; tries < OPENAT2_TRIES; tries++) {
		fd = (int)syscall(SYS_openat2, ctx->root_fd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
		if (tries >= 8)
			nanosleep(&(struct timespec){.tv_nsec = 1000 * 1000}, NULL);
	}
	if (fd < 0 && errno == ENOSYS && ctx->is_host_root)
		fd = openat(ctx->root_fd, path, flags | O_CLOEXEC);
	return fd >= 0 ? fd : negative_errno();
}

int path_open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (unsigned int)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, skip_slashes(rel), &how, sizeof(how));

	return fd >= 0 ? fd : negative_errno();
}

ssize_t path_read_beneath(int dirfd, const char *rel, char *buf, size_t size)
{
	/* Attributes of an already resolved sysfs directory, read by the thousand in a
	 * listing: O_NONBLOCK alone keeps a FIFO from blocking (it reads as empty), without
	 * the extra fstat() per attribute. */
	_cleanup_close_ int fd = path_open_beneath(dirfd, rel, READ_FLAGS);

	if (fd < 0)
		return fd;
	return read_into(fd, buf, size);
}

int path_cached_dir(struct vfk_ctx *ctx, enum path_dir which)
{
	static const char *const paths[PATH_DIR_MAX] = {
		[PATH_DIR_DEVICES] = SYS_DEVICES,
		[PATH_DIR_GROUPS] = SYS_IOMMU_GROUPS,
	};
	int fd = __atomic_load_n(&ctx->dir_fds[which], __ATOMIC_ACQUIRE), expected = -2;

	if (fd != -2)
		return fd >= 0 ? fd : -ENOENT;
	fd = path_open(ctx, paths[which], O_PATH | O_DIRECTORY);
	if (fd < 0)
		fd = -1;
	/* Threads of one context (bind) may race here: the first descriptor stays. */
	if (!__atomic_compare_exchange_n(&ctx->dir_fds[which], &expected, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (fd >= 0)
			close(fd);
		fd = expected;
	}
	return fd >= 0 ? fd : -ENOENT;
}

int path_openf(struct vfk_ctx *ctx, int flags, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return path_open(ctx, path, flags);
}

/*
 * With @short_is_end, a read that returns less than asked ends the file. That holds for
 * buffers of at most a page: sysfs hands out a whole attribute (at most a page) in one
 * read, and a regular file returns less only at its end. It saves the read that would
 * return 0, one system call per attribute, which is a quarter of a listing's calls.
 */
static ssize_t read_fd(int fd, char *buf, size_t size, bool short_is_end)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size || short_is_end)
			break;
	}
	return (ssize_t)len;
}

static ssize_t read_into(int fd, char *buf, size_t size)
{
	char extra;
	ssize_t len;

	if (size == 0)
		return -EINVAL;
	len = read_fd(fd, buf, size - 1, size <= ATTR_MAX);
	if (len < 0)
		return len;
	/* A file that fills the buffer may have more: report it rather than truncate. */
	if ((size_t)len == size - 1 && read_fd(fd, &extra, 1, false) == 1)
		return -EFBIG;
	buf[len] = '\0';
	return len;
}

int path_open_file(struct vfk_ctx *ctx, const char *path)
{
	return only_regular(path_open(ctx, path, READ_FLAGS));
}

ssize_t path_read(struct vfk_ctx *ctx, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = path_open_file(ctx, path);

	if (fd < 0)
		return fd;
	return read_into(fd, buf, size);
}

ssize_t path_read_at(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;

	/* Single components only: a link here could point outside the root. */
	if (strchr(name, '/'))
		return -EINVAL;
	/* As path_read_beneath(): sysfs attributes, non-blocking without fstat(). */
	fd = openat(dirfd, name, READ_FLAGS | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	return read_into(fd, buf, size);
}

ssize_t path_read_all(struct vfk_ctx *ctx, const char *path, size_t max, char **ret)
{
	_cleanup_close_ int fd = path_open_file(ctx, path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 16384;
			if (cap > max + 1)
				cap = max + 1;
			if (cap <= len)
				return -EFBIG;
			p = realloc(buf, cap);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return (ssize_t)len;
}

ssize_t path_readlink_at(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;

	if (strchr(name, '/'))
		return -EINVAL;
	n = readlinkat(dirfd, name, buf, size);
	if (n < 0)
		return negative_errno();
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return n;
}

ssize_t path_readlink(struct vfk_ctx *ctx, const char *path, char *buf, size_t size)
{
	char dir[PATH_MAX];
	const char *slash, *name;
	_cleanup_close_ int fd = -1;

	path = skip_slashes(path);
	slash = strrchr(path, '/');
	if (slash) {
		if ((size_t)(slash - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		name = slash + 1;
	} else {
		strcpy(dir, ".");
		name = path;
	}
	fd = path_open(ctx, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	return path_readlink_at(fd, name, buf, size);
}

int path_readlink_basename_at(int dirfd, const char *name, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = path_readlink_at(dirfd, name, target, sizeof(target));

	if (n < 0)
		return (int)n;
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= size)
		return -ENODATA;
	strcpy(buf, base);
	return 0;
}

int path_opendir(struct vfk_ctx *ctx, const char *path, DIR **ret)
{
	int fd = path_open(ctx, path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		int r = negative_errno();

		close(fd);
		return r;
	}
	*ret = d;
	return 0;
}

int path_exists(struct vfk_ctx *ctx, const char *path)
{
	int fd = path_open(ctx, path, O_PATH);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int path_exists_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	return 0;
}

int path_write(struct vfk_ctx *ctx, const char *path, const char *value)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	bool dry_run;
	ssize_t n;
	int err = 0;

	pthread_mutex_lock(&ctx->write_lock);
	ctx->mutations++;
	if (ctx->fault_nth && ctx->mutations == ctx->fault_nth) {
		dbg(ctx, "injected fault on write #%u to %s", ctx->mutations, path);
		err = -ctx->fault_error;
	} else {
		dbg(ctx, "write %s <- \"%s\"", path, value);
		if (ctx->write_listener)
			ctx->write_listener(ctx->write_listener_data, path, value);
	}
	dry_run = ctx->dry_run;
	pthread_mutex_unlock(&ctx->write_lock);
	if (err < 0 || dry_run)
		return err;
	/* The store itself runs unlocked: that is where the kernel unbinds and probes. */
	fd = path_open(ctx, path, O_WRONLY | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	/* sysfs takes one write per attribute store; a short write is an error. */
	n = write(fd, value, len);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	/* The observer runs after the write, as the kernel reacts to the store. */
	pthread_mutex_lock(&ctx->write_lock);
	if (ctx->write_observer)
		err = ctx->write_observer(ctx->write_observer_data, path, value);
	pthread_mutex_unlock(&ctx->write_lock);
	return err;
}

void path_set_run_observer(struct vfk_ctx *ctx, path_run_observer_fn fn, void *data)
{
	ctx->run_observer = fn;
	ctx->run_observer_data = data;
}

int path_run(struct vfk_ctx *ctx, const char *const *argv)
{
	int status, null;
	pid_t pid;

	dbg(ctx, "run %s %s", argv[0], argv[1] ? argv[1] : "");
	if (ctx->dry_run)
		return 0;
	if (ctx->run_observer)
		return ctx->run_observer(ctx->run_observer_data, argv);
	if (!ctx->is_host_root)
		return -EOPNOTSUPP;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		close(null);
		return negative_errno();
	}
	if (pid == 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(null);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
}

void path_set_write_observer(struct vfk_ctx *ctx, path_write_observer_fn fn, void *data)
{
	ctx->write_observer = fn;
	ctx->write_observer_data = data;
}

void path_set_write_listener(struct vfk_ctx *ctx, path_write_listener_fn fn, void *data)
{
	ctx->write_listener = fn;
	ctx->write_listener_data = data;
}

void path_set_dry_run(struct vfk_ctx *ctx, bool dry_run)
{
	ctx->dry_run = dry_run;
}

bool path_is_dry_run(const struct vfk_ctx *ctx)
{
	return ctx->dry_run;
}

int path_mkdir_p(struct vfk_ctx *ctx, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(skip_slashes(path));

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, skip_slashes(path), len + 1);
	for (char *p = buf;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			_cleanup_close_ int parent = -1;
			const char *name;
			char *slash;

			*p = '\0';
			slash = strrchr(buf, '/');
			if (slash) {
				*slash = '\0';
				parent = path_open(ctx, buf, O_PATH | O_DIRECTORY);
				*slash = '/';
				name = slash + 1;
			} else {
				parent = dup(ctx->root_fd);
				name = buf;
			}
			if (parent < 0)
				return parent;
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
				return negative_errno();
			*p = c;
			if (c == '\0')
				break;
		}
	}
	{
		_cleanup_close_ int fd = path_open(ctx, path, O_PATH | O_DIRECTORY);

		return fd < 0 ? fd : 0;
	}
}

static int split_parent(struct vfk_ctx *ctx, const char *path, const char **name)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		*name = path;
		return dup(ctx->root_fd);
	}
	n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*name = slash + 1;
	return path_open(ctx, dir, O_RDONLY | O_DIRECTORY);
}

static int write_atomic_mode(struct vfk_ctx *ctx, const char *path, const void *data, size_t len,
			     mode_t mode, uid_t uid, gid_t gid);

int path_write_atomic(struct vfk_ctx *ctx, const char *path, const void *data, size_t len)
{
	return write_atomic_mode(ctx, path, data, len, 0600, (uid_t)-1, (gid_t)-1);
}

/* One mutating call: counted, and failed when the fault table says so. */
static int mutation(struct vfk_ctx *ctx, const char *path)
{
	int err = 0;

	pthread_mutex_lock(&ctx->write_lock);
	ctx->mutations++;
	if (ctx->fault_nth && ctx->mutations == ctx->fault_nth) {
		dbg(ctx, "injected fault on write #%u to %s", ctx->mutations, path);
		err = -ctx->fault_error;
	}
	pthread_mutex_unlock(&ctx->write_lock);
	return err;
}

int path_write_file(struct vfk_ctx *ctx, const char *path, const void *data, size_t len,
		    mode_t mode)
{
	int err = mutation(ctx, path);

	return err < 0 ? err : write_atomic_mode(ctx, path, data, len, mode, (uid_t)-1, (gid_t)-1);
}

int path_write_file_owned(struct vfk_ctx *ctx, const char *path, const void *data, size_t len,
			  mode_t mode, uid_t uid, gid_t gid)
{
	int err = mutation(ctx, path);

	return err < 0 ? err : write_atomic_mode(ctx, path, data, len, mode, uid, gid);
}

int path_set_owner(struct vfk_ctx *ctx, const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	_cleanup_close_ int fd = path_open(ctx, path, O_PATH | O_NOFOLLOW);
	char self[64];

	if (fd < 0)
		return fd;
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return negative_errno();
	if (mode == (mode_t)-1)
		return 0;
	/* An O_PATH descriptor takes no fchmod(); its /proc name does, without opening the
	 * file (opening a VFIO group or device file would claim it). */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	return chmod(self, mode & 07777) < 0 ? negative_errno() : 0;
}

int path_stat(struct vfk_ctx *ctx, const char *path, struct stat *ret)
{
	_cleanup_close_ int fd = path_open(ctx, path, O_PATH | O_NOFOLLOW);

	if (fd < 0)
		return fd;
	return fstat(fd, ret) < 0 ? negative_errno() : 0;
}

int path_rmdir(struct vfk_ctx *ctx, const char *path)
{
	const char *name;
	_cleanup_close_ int dir = -1;
	int err = mutation(ctx, path);

	if (err < 0)
		return err;
	dir = split_parent(ctx, skip_slashes(path), &name);
	if (dir < 0)
		return dir;
	if (unlinkat(dir, name, AT_REMOVEDIR) < 0)
		return negative_errno();
	return fsync(dir) < 0 ? negative_errno() : 0;
}

int path_unlink(struct vfk_ctx *ctx, const char *path)
{
	const char *name;
	_cleanup_close_ int dir = -1;
	int err = mutation(ctx, path);

	if (err < 0)
		return err;
	dir = split_parent(ctx, skip_slashes(path), &name);
	if (dir < 0)
		return dir;
	if (unlinkat(dir, name, 0) < 0)
		return negative_errno();
	return fsync(dir) < 0 ? negative_errno() : 0;
}

static int write_atomic_mode(struct vfk_ctx *ctx, const char *path, const void *data, size_t len,
			     mode_t mode, uid_t uid, gid_t gid)
{
	const char *name;
	_cleanup_close_ int dir = split_parent(ctx, skip_slashes(path), &name);
	_cleanup_close_ int fd = -1;
	char tmp[NAME_MAX + 1];
	const char *p = data;

	if (dir < 0)
		return dir;
	if (snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	/* Owner, then mode (chown clears set-id bits), before the content arrives; umask
	 * does not apply. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
		int r = negative_errno();

		unlinkat(dir, tmp, 0);
		return r;
	}
	if (mode != 0600 && fchmod(fd, mode) < 0) {
		int r = negative_errno();

		unlinkat(dir, tmp, 0);
		return r;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = negative_errno();

			unlinkat(dir, tmp, 0);
			return r;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || renameat(dir, tmp, dir, name) < 0) {
		int r = negative_errno();

		unlinkat(dir, tmp, 0);
		return r;
	}
	/* The rename is durable only once the directory is. */
	return fsync(dir) < 0 ? negative_errno() : 0;
}

int path_lock(struct vfk_ctx *ctx, const char *path)
{
	const char *name;
	_cleanup_close_ int dir = split_parent(ctx, skip_slashes(path), &name);
	int fd;

	if (dir < 0)
		return dir;
	fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : negative_errno();

		close(fd);
		return r;
	}
	return fd;
}

int path_join_normalize(const char *dir, const char *rel, char *buf, size_t size)
{
	char tmp[PATH_MAX];
	char *out = buf, *tok, *save = NULL;
	size_t len = 0;
	int n;

	if (rel[0] == '/')
		n = snprintf(tmp, sizeof(tmp), "%s", rel);
	else
		n = snprintf(tmp, sizeof(tmp), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (size < 2)
		return -ENAMETOOLONG;
	out[0] = '\0';
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (streq(tok, "."))
			continue;
		if (streq(tok, "..")) {
			char *slash = strrchr(out, '/');

			/* ".." at the root stays at the root, as in the kernel. */
			len = slash ? (size_t)(slash - out) : 0;
			out[len] = '\0';
			continue;
		}
		if (len + 1 + strlen(tok) + 1 > size)
			return -ENAMETOOLONG;
		if (len)
			out[len++] = '/';
		strcpy(out + len, tok);
		len += strlen(tok);
	}
	return 0;
}

void path_fault_set(struct vfk_ctx *ctx, unsigned int nth, int error)
{
	ctx->fault_nth = nth;
	ctx->fault_error = error;
	ctx->mutations = 0;
}

unsigned int path_fault_count(const struct vfk_ctx *ctx)
{
	return ctx->mutations;
}

ssize_t path_read_bin_at(int dirfd, const char *name, void *buf, size_t size)
{
	_cleanup_close_ int fd = -1;

	if (strchr(name, '/'))
		return -EINVAL;
	fd = openat(dirfd, name, READ_FLAGS | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	return read_fd(fd, buf, size, false);
}
