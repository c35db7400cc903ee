/*
 * hold.c - make a kernel hold many objects of one real kernel struct, from user space.
 *
 * Runs as /init's helper in a sample guest (static, no libraries).  It creates the objects,
 * checks that the kernel holds them, prints "hold: ready ..." and forks a child that keeps
 * every file descriptor open forever; the parent exits 0 so /init can go on and mark the
 * guest ready for the dump.  Any failure prints "hold: ..." with errno and exits 1.
 *
 *   hold inotify N   one inotify instance watching a directory for IN_CREATE, then N files
 *                    created in it: N queued events, each a struct inotify_event_info
 *                    (kmalloc'd with the file name after it), never read
 *   hold epoll E F   E epoll instances, F eventfds, every eventfd added to every instance:
 *                    E*F struct epitem (cache eventpoll_epi), never removed
 *   hold msg N       one System V message queue, N messages of 148..152 bytes of text never
 *                    received: N struct msg_msg headers, each kmalloc'd with its text after
 *                    it (m_ts holds the text's length), in kmalloc-cg-256
 *   hold keys N      N "user" keys in root's user keyring, each with a 76..80-byte text
 *                    payload: N struct user_key_payload (a zero rcu_head, datalen, the data
 *                    after it), in kmalloc-128
 *   hold pipes N     N pipes, each filled with 16 pages (its default 64 KiB): N arrays of 16
 *                    struct pipe_buffer (40 bytes each, every entry a page, &anon_pipe_buf_ops,
 *                    the length 4096), kcalloc'd by the pipe in kmalloc-cg-1k
 *   hold locks N     N open file description locks (F_OFD_SETLK) on every other byte of one
 *                    file: N struct file_lock (cache file_lock_cache), no function or ops
 *                    pointer in them (fl_ops, fl_lmops NULL), held by the open file
 * The lengths vary within one 8-byte word, so that every object has the same words of text:
 * objects with no function, ops or list word to join them on cluster apart by how many words
 * of text they hold (join.h's rule 3), and each such cluster would be a sample of its own.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "hold: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_sysctl(const char *path, long value)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return fail(path);
	fprintf(f, "%ld\n", value);
	if (fclose(f))
		return fail(path);
	return 0;
}

static int raise_nofile(long want)
{
	struct rlimit rl = { (rlim_t)want, (rlim_t)want };

	if (write_sysctl("/proc/sys/fs/nr_open", want > 1048576 ? want : 1048576))
		return 1;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return fail("setrlimit(RLIMIT_NOFILE)");
	return 0;
}

/* Fork a child that holds every descriptor forever; the parent reports and returns. */
static int hold_forever(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0)
		for (;;)
			pause();
	return 0;
}

static int do_inotify(long n)
{
	const char *dir = "/hold-watched";
	char name[64];
	int fd, queued = 0;
	long i;

	if (write_sysctl("/proc/sys/fs/inotify/max_queued_events", n + 1024))
		return 1;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return fail(dir);
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return fail("inotify_init1");
	if (inotify_add_watch(fd, dir, IN_CREATE) < 0)
		return fail("inotify_add_watch");
	for (i = 0; i < n; i++) {
		int f;

		snprintf(name, sizeof(name), "%s/f%06ld", dir, i);
		f = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (f < 0 || close(f))
			return fail(name);
	}
	if (ioctl(fd, FIONREAD, &queued))
		return fail("FIONREAD");
	printf("hold: ready inotify: %ld events queued (%d bytes to read)\n", n, queued);
	return hold_forever();
}

static int do_epoll(long e, long f)
{
	long i, j;
	int *eps = calloc(e, sizeof(int)), *efs = calloc(f, sizeof(int));

	if (!eps || !efs)
		return fail("calloc");
	if (raise_nofile(e + f + 64))
		return 1;
	/* one instance may watch at most max_user_watches descriptors in all */
	if (write_sysctl("/proc/sys/fs/epoll/max_user_watches", e * f + 1024))
		return 1;
	for (j = 0; j < f; j++)
		if ((efs[j] = eventfd(0, EFD_CLOEXEC)) < 0)
			return fail("eventfd");
	for (i = 0; i < e; i++) {
		if ((eps[i] = epoll_create1(EPOLL_CLOEXEC)) < 0)
			return fail("epoll_create1");
		for (j = 0; j < f; j++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(i << 32 | j) };

			if (epoll_ctl(eps[i], EPOLL_CTL_ADD, efs[j], &ev))
				return fail("epoll_ctl(EPOLL_CTL_ADD)");
		}
	}
	printf("hold: ready epoll: %ld instances x %ld eventfds = %ld epitems\n", e, f, e * f);
	return hold_forever();
}

/* Text of @len bytes for message or key @i: a readable line, different in each object. */
static void fill_text(char *buf, size_t len, long i)
{
	static const char words[] = "memsim planted this text after a header in object number ";
	size_t k, n;

	n = (size_t)snprintf(buf, len + 1, "%s%ld: ", words, i);
	for (k = n < len ? n : len; k < len; k++)
		buf[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
}

static int do_msg(long n)
{
	struct {
		long mtype;
		char mtext[256];
	} m;
	struct msqid_ds ds;
	long i;
	int q;

	/* one queue holds n messages: its byte and count limits both come from msgmnb */
	if (write_sysctl("/proc/sys/kernel/msgmnb", n * 256 < 0x7fffffff ? n * 256 : 0x7fffffff))
		return 1;
	q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (q < 0)
		return fail("msgget");
	for (i = 0; i < n; i++) {
		size_t len = 148 + (size_t)(i % 5);

		m.mtype = 1 + i % 3;
		fill_text(m.mtext, len, i);
		if (msgsnd(q, &m, len, IPC_NOWAIT))
			return fail("msgsnd");
	}
	if (msgctl(q, IPC_STAT, &ds))
		return fail("msgctl(IPC_STAT)");
	printf("hold: ready msg: %lu messages queued (%lu bytes)\n", (unsigned long)ds.msg_qnum,
	       (unsigned long)ds.__msg_cbytes);
	return hold_forever();
}

static int do_keys(long n)
{
	char desc[32], data[128];
	long i;

	/* root's key quota: n keys and their descriptions and payloads */
	if (write_sysctl("/proc/sys/kernel/keys/root_maxkeys", n + 1024) ||
	    write_sysctl("/proc/sys/kernel/keys/root_maxbytes", n * 160 + 65536))
		return 1;
	for (i = 0; i < n; i++) {
		size_t len = 76 + (size_t)(i % 5);

		snprintf(desc, sizeof(desc), "memsim:%ld", i);
		fill_text(data, len, i);
		/* KEY_SPEC_USER_KEYRING (-4): it lives as long as root's user, not this process */
		if (syscall(SYS_add_key, "user", desc, data, len, -4) < 0)
			return fail("add_key");
	}
	printf("hold: ready keys: %ld user keys\n", n);
	return hold_forever();
}

static int do_pipes(long n)
{
	static char page[4096];
	long i, k;

	memset(page, 'p', sizeof(page));
	if (raise_nofile(2 * n + 64))
		return 1;
	for (i = 0; i < n; i++) {
		int fd[2];

		if (pipe2(fd, O_CLOEXEC | O_NONBLOCK))
			return fail("pipe2");
		/* a full page per write: no merging, one pipe_buffer each, all 16 of the ring */
		for (k = 0; k < 16; k++)
			if (write(fd[1], page, sizeof(page)) != (ssize_t)sizeof(page))
				return fail("write to a pipe");
	}
	printf("hold: ready pipes: %ld pipes of 16 full buffers\n", n);
	return hold_forever();
}

static int do_locks(long n)
{
	const char *path = "/hold-locked";
	struct flock fl;
	long i;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return fail(path);
	if (ftruncate(fd, 2 * n))
		return fail("ftruncate");
	/*
	 * Open file description locks on every other byte: none adjacent, so none merge; owned
	 * by the open file, not the process, so the child holding the descriptor keeps them.
	 */
	for (i = 0; i < n; i++) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = 2 * i;
		fl.l_len = 1;
		if (fcntl(fd, F_OFD_SETLK, &fl))
			return fail("fcntl F_OFD_SETLK");
	}
	/* the kernel holds them: a conflicting lock on the last byte is refused */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 2 * (n - 1);
	fl.l_len = 1;
	{
		int other = open(path, O_RDWR | O_CLOEXEC);

		if (other < 0)
			return fail(path);
		if (fcntl(other, F_OFD_GETLK, &fl) || fl.l_type != F_WRLCK) {
			errno = EINVAL;
			return fail("the locks are not held");
		}
		close(other);
	}
	printf("hold: ready locks: %ld byte-range locks on %s\n", n, path);
	return hold_forever();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "inotify"))
		return do_inotify(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "epoll"))
		return do_epoll(atol(argv[2]), atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "msg"))
		return do_msg(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "keys"))
		return do_keys(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "pipes"))
		return do_pipes(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "locks"))
		return do_locks(atol(argv[2]));
	fprintf(stderr, "usage: hold inotify N | hold epoll INSTANCES EVENTFDS | hold msg N | "
		"hold keys N | hold pipes N\n");
	return 2;
}
