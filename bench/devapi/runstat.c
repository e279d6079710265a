// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs a command and reports its wall time and the CPU time the kernel charged to it
 * (wait4's rusage), so that two programs are measured the same way:
 *   runstat COMMAND [ARGS...]
 * The command's output passes through; the last line on stderr is
 *   "runstat wall_ns=W user_ns=U sys_ns=S status=X".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

int main(int argc, char *argv[])
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	pid_t pid;

	if (argc < 2) {
		fputs("usage: runstat COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("runstat: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "runstat wall_ns=%llu user_ns=%llu sys_ns=%llu status=%d\n",
		(unsigned long long)((b.tv_sec - a.tv_sec) * 1000000000ll +
				     (b.tv_nsec - a.tv_nsec)),
		(unsigned long long)ns(ru.ru_utime), (unsigned long long)ns(ru.ru_stime),
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
