/* taskfarm: the public API.
 *
 * The same header serves the bare-metal runtime (libtaskfarm.a, linked into a bootable image) and
 * the Linux build (libtaskfarm-host.a, where threads stand in for CPUs). Functions marked
 * "guest only" exist only in the bare-metal runtime. */
#ifndef TASKFARM_H
#define TASKFARM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ------------------------------------------------------------------------------------
 * Every function that can fail returns 0 (or a non-negative value) on success and one of these
 * negative codes on failure. tf_strerror() names them. */
#define TF_EINVAL     (-1)  /* an argument is out of range (NULL function, bad CPU index, ...) */
#define TF_EBADTASK   (-2)  /* no such task: never submitted, or its result was already taken */
#define TF_ENOSPC     (-3)  /* too many tasks outstanding (see tf_submit) */
#define TF_EPERM      (-4)  /* called on a CPU that may not call it (see each function) */
#define TF_ENODEV     (-5)  /* no such device (no network card, no output port) */
#define TF_ENOMEM     (-6)  /* out of memory */
#define TF_EAGAIN     (-7)  /* nothing there yet (non-blocking calls) */
#define TF_ETIMEDOUT  (-8)  /* the wait ran out of time */
#define TF_EADDRINUSE (-9)  /* the UDP port is bound already */
#define TF_EMSGSIZE   (-10) /* a datagram too large for one frame, or for the caller's buffer */
#define TF_ENETDOWN   (-11) /* the network has no address yet (DHCP failed, none given) */
#define TF_ETHREAD    (-12) /* the task ended its thread: pthread_exit, cancellation (Linux) */
/* A task that raised CPU exception `v` (divide error 0, invalid opcode 6, general protection 13,
 * page fault 14, ...) ends with TF_EFAULT_BASE - v. TF_FAULT_VECTOR(err) gives v back. */
#define TF_EFAULT_BASE       (-256)
#define TF_IS_FAULT(err)     ((err) <= TF_EFAULT_BASE && (err) > TF_EFAULT_BASE - 256)
#define TF_FAULT_VECTOR(err) (TF_EFAULT_BASE - (err))

/* A static string describing `err` (one of the codes above), e.g. "task faulted: #DE divide
 * error". Any CPU. */
const char *tf_strerror(int err);

/* ---- Machine and boot ------------------------------------------------------------------------
 * Any CPU may call these once main() has started. */

/* The value of the boot option "tf.NAME=VALUE" (the last one given), or NULL. Options given this
 * way are taken out of main()'s argv. Example: tf_option("park") for "tf.park=hlt". On Linux the
 * environment variable TF_NAME (upper case) plays the same part. */
const char *tf_option(const char *name);

/* A boot option of the program's own, declared at file scope so that the runtime knows it:
 *
 *     TF_OPTION(port, "1-65535");       tf.port=N, a whole number from 1 to 65535
 *     TF_OPTION(mode, "fast|exact");    tf.mode=fast or tf.mode=exact
 *
 * At boot, the guest runtime warns about every tf.NAME that neither it nor the program declares,
 * and about a value that is not of the declared form ("a|b|c": one of these words; "N-M": a
 * whole number from N to M; "A.B.C.D": an IPv4 address; "A.B.C.D/PREFIX"; anything with a blank
 * is a description and accepts any value); such words are dropped, so tf_option() returns NULL
 * for them. tf.help=1 lists every option and exits. On Linux the declaration is accepted and the
 * environment is not checked. */
struct tf_option_decl {
    const char *name;    /* NAME of tf.NAME */
    const char *accepts; /* the form of its value, as above */
};
#define TF_OPTION(name, accepts)                                                                   \
    static const struct tf_option_decl tf_option_decl_##name                                       \
        __attribute__((used, section("tf_options"), aligned(sizeof(void *)))) = {#name, accepts}

/* Bytes of RAM the boot loader's memory map reports as available. Guest only. */
uint64_t tf_memory_bytes(void);

/* Bytes of RAM the heap (malloc) may still grow into. Guest only. */
uint64_t tf_heap_free_bytes(void);

/* Nanoseconds from the first instruction of the image to the start of main(), or 0 when the
 * clock could not be calibrated. Guest only. */
uint64_t tf_boot_ns(void);

/* CPUID leaf `leaf`, subleaf `subleaf`, of the virtual CPU as the hypervisor defines it, into
 * regs[0..3] = EAX, EBX, ECX, EDX. Use it rather than the CPUID instruction: on hypervisors
 * that run guest user code natively (PVM), CPUID there reports the host's processor. Guest
 * only; any CPU. */
void tf_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/* A monotonic clock in nanoseconds (the calibrated TSC in the guest, CLOCK_MONOTONIC on Linux).
 * Any CPU. */
uint64_t tf_now_ns(void);

/* ---- CPUs ------------------------------------------------------------------------------------
 * CPUs are numbered densely from 0 (the bootstrap CPU, which runs main()) to tf_cpu_count() - 1,
 * whatever their (possibly sparse) APIC IDs. Any CPU may call these. */

/* CPUs online, including the bootstrap CPU (>= 1; 0 on Linux after tf_host_stop). */
unsigned tf_cpu_count(void);

/* The calling CPU's number. */
unsigned tf_cpu_self(void);

/* Where a CPU sits: its APIC ID, its package (socket), its core within the package and its SMT
 * thread within the core. CPUs with the same package and core are siblings. */
struct tf_cpu_info {
    uint32_t apic_id;
    uint32_t package;
    uint32_t core;
    uint32_t thread;
};
/* Fills *info for CPU `cpu`; 0, or TF_EINVAL for a CPU that does not exist. */
int tf_cpu_info(unsigned cpu, struct tf_cpu_info *info);

/* What a CPU has done since boot. */
struct tf_cpu_stats {
    uint64_t tasks;     /* tasks it ran to the end (faulted ones included) */
    uint64_t faults;    /* tasks that ended with a CPU exception */
    uint64_t busy_ns;   /* time inside tasks */
    uint64_t parked_ns; /* time halted (HLT/MWAIT) waiting for work */
    uint64_t wakeups;   /* times another CPU had to wake it */
};
/* Fills *stats for CPU `cpu`; 0, or TF_EINVAL. The figures of a CPU that is running are read
 * without stopping it and may be a moment old. */
int tf_cpu_stats(unsigned cpu, struct tf_cpu_stats *stats);

/* ---- Tasks -----------------------------------------------------------------------------------
 * A task is a function and an argument; it runs to completion on one CPU (no preemption) and
 * returns a 64-bit result. tf_submit hands it to an idle CPU in placement order (boot option
 * tf.place=siblings, the default: fill the SMT siblings of a core, starting with the bootstrap
 * CPU's own, before waking another core; or tf.place=spread: one task per core first) or queues
 * it when every CPU is busy; a CPU that finishes takes the next queued task itself, and the
 * bootstrap CPU runs queued tasks while it waits.
 *
 * tf_submit and the tf_wait family may be called only from the bootstrap CPU (CPU 0), not from
 * inside a task (TF_EPERM otherwise). Each task's result must be taken exactly once, by one of
 * tf_wait, tf_wait_any or tf_wait_all; its handle is then no longer valid. */

typedef uint64_t (*tf_task_fn)(void *arg);
typedef int64_t tf_task_t; /* a task handle (>= 0) */

/* At most this many tasks may be submitted and not yet waited for. */
#define TF_MAX_TASKS 65536

/* Submits fn(arg). Returns the task's handle, or TF_EINVAL (fn is NULL), TF_ENOSPC or TF_EPERM.
 * `arg` is the caller's: it must stay valid until the task's result has been taken. */
tf_task_t tf_submit(tf_task_fn fn, void *arg);

/* Waits for one task and stores its result in *result (which may be NULL). Returns 0; the task's
 * error (TF_EFAULT_BASE - vector when it faulted; *result is then 0); TF_EBADTASK; or TF_EPERM. */
int tf_wait(tf_task_t task, uint64_t *result);

/* Waits until any of tasks[0..n) has finished, takes its result and returns its position in the
 * array; *result and *error (either may be NULL) get its result and its error (0 when it
 * succeeded). Returns TF_EINVAL for n == 0, TF_EBADTASK when a handle is invalid, TF_EPERM. The
 * tasks not chosen stay outstanding. */
int tf_wait_any(const tf_task_t *tasks, size_t n, uint64_t *result, int *error);

/* Waits for all of tasks[0..n) and takes their results: results[i] and errors[i] (either array
 * may be NULL) get task i's result and error. Returns 0 when every task succeeded, otherwise the
 * first task's error in array order; TF_EBADTASK (nothing is taken then) or TF_EPERM. */
int tf_wait_all(const tf_task_t *tasks, size_t n, uint64_t *results, int *errors);

/* Data-parallel work: calls fn(a, b, arg) for chunks [a, b) that together cover [lo, hi) once
 * each, on every CPU at once (the calling bootstrap CPU too), and stores the sum of what the
 * calls returned in *sum (may be NULL). Chunks are handed out as CPUs come for them, largest
 * first and shrinking toward the end (each the part of what is left that the CPUs would share
 * evenly, halved, and at least `grain`, 0 meaning 1), so a CPU that finishes early takes work
 * from the rest: no CPU waits while work remains, even when chunks cost very differently. fn
 * runs as a task (fault containment, floating-point defaults) and must not call the farm.
 * Returns 0; TF_EINVAL (fn is NULL); TF_EPERM (not on the bootstrap CPU, or inside a task); or
 * the error of a chunk that faulted (the others still ran; *sum lacks that chunk). It submits
 * one task per CPU alongside whatever else is outstanding (fewer when TF_MAX_TASKS would be
 * passed; TF_ENOSPC when none fits). */
typedef uint64_t (*tf_range_fn)(uint64_t lo, uint64_t hi, void *arg);
int tf_parallel_for(uint64_t lo, uint64_t hi, uint64_t grain, tf_range_fn fn, void *arg,
                    uint64_t *sum);

/* The CPU that ran (or is running) a task not yet waited for, or -1 while it is queued;
 * TF_EBADTASK for a handle that is not outstanding. For tests and tracing. */
int tf_task_cpu(tf_task_t task);

/* ---- Linux build only (libtaskfarm-host.a) ---------------------------------------------------
 * The same scheduler on Linux, with threads standing in for CPUs and futexes for HLT and IPIs.
 * The farm starts by itself at the first call into the library (tf_submit, tf_cpu_count, ...):
 * the calling thread becomes CPU 0 and one thread per other CPU is started. The environment
 * plays the part of the boot options: TF_CPUS=n (default: the CPUs online), TF_TOPOLOGY=SxCxT
 * (sockets x cores x threads; default 1 x n x 1; with TF_CPUS too, only its first n CPUs are
 * used), TF_PLACE=siblings|spread, TF_SPIN_US (how long an idle CPU spins before it sleeps).
 * CPUs are numbered thread-major, as Linux numbers most machines: thread 0 of every core first.
 * A thread the farm did not start, other than CPU 0, gets UINT_MAX from tf_cpu_self(). Faults in
 * tasks (SIGSEGV, SIGFPE, SIGILL, SIGBUS) end the task as in the guest, with the vector the CPU
 * raised; the farm installs handlers for these signals while it runs, and hands any other
 * (a fault outside a task, a signal sent with kill) to the action there was before: the
 * program's handler, or the default. A task that ends its thread (pthread_exit, or a
 * cancellation) ends with TF_ETHREAD and its CPU gets a new thread; on CPU 0, the thread that
 * runs tasks inside tf_wait, the program cannot go on and is aborted. */

/* Starts the farm with `sockets` x `cores` x `threads` CPUs (all 0: from the environment, as the
 * automatic start does); the calling thread becomes CPU 0. Returns 0; TF_EINVAL (some but not
 * all 0, or more than TF_MAX_CPUS CPUs); TF_EPERM when the farm runs already; TF_ENOMEM when a
 * thread could not be started. */
int tf_host_start(unsigned sockets, unsigned cores, unsigned threads);

/* Stops the farm: the workers finish the tasks running and queued (queued ones are dropped when
 * there is no worker), then their threads end.
 * Results not taken are dropped and every outstanding handle becomes invalid. Afterwards only
 * tf_host_start starts the farm again: until then tf_submit and the tf_wait family return
 * TF_EPERM, tf_cpu_count() 0 and tf_cpu_self() UINT_MAX. CPU 0 only; 0, or TF_EPERM. */
int tf_host_stop(void);

/* ---- Boot modules (guest only) ----------------------------------------------------------------
 * Files the boot loader put in memory beside the image: tools/tf-run --module PATH[=NAME] (QEMU's
 * -initrd), or GRUB's module2 lines (tools/tf-mkiso --module). They are handed out where they
 * lie, without copying, and mapped read-only: a write to one faults (a task that tries ends with
 * TF_EFAULT_BASE - 14). Any CPU may call these once main() has started.
 *
 * A module's name comes from its Multiboot string, read as "PATH NAME" (what tf-run and tf-mkiso
 * write): everything after the first space, or, for a string without a space, what follows its
 * last '/'. At most 64 modules, names of at most 255 bytes. A module the runtime cannot hand out
 * (not in RAM, overlapping the image or another module) is left out and reported at boot. */

struct tf_module {
    const char *name; /* "" when the loader gave none */
    const void *data; /* never NULL, also for an empty module */
    size_t size;      /* bytes */
};

/* Modules handed out, numbered from 0 in the loader's order (tf-run's order of --module). */
unsigned tf_module_count(void);

/* Fills *out for module `index`; 0, or TF_EINVAL (no such module, or out NULL). */
int tf_module_get(unsigned index, struct tf_module *out);

/* The data of the first module named `name` and its size in *size (unless size is NULL), or NULL
 * (and *size 0) when there is none. */
const void *tf_module_find(const char *name, size_t *size);

/* ---- Output (guest only) ----------------------------------------------------------------------
 * A byte stream to the host: tools/tf-run --output PATH (or - for tf-run's standard output) adds
 * a virtio console whose port 0 is written to that file. Bytes arrive exactly and in order, at
 * hundreds of MB/s: they are copied into large buffers that the device takes one at a time. What
 * was written reaches the host when a buffer fills, at tf_output_flush(), and at exit: exit(),
 * returning from main and abort() on the bootstrap CPU flush the stream before the machine ends
 * (an exit on another CPU, or a CPU exception outside a task, does not). The serial console
 * (stdout, stderr) stays separate.
 *
 * Only the bootstrap CPU may write (TF_EPERM elsewhere, also from a task that runs on another
 * CPU). The port is looked for at the first call (a PCI scan). */

/* Writes buf[0..len): returns len once every byte is in the stream's buffers (waiting for the
 * device when they are all full), or TF_ENODEV (no output port), TF_ENOMEM (no memory for the
 * buffers), TF_EINVAL (buf NULL with len > 0), TF_EPERM. */
long tf_output_write(const void *buf, size_t len);

/* Hands everything written so far to the host and waits until the device has taken it. 0,
 * TF_ENODEV, TF_ENOMEM, TF_EPERM. */
int tf_output_flush(void);

/* A newlib FILE on the stream, for fwrite and fprintf (one FILE, made at the first call). It is
 * unbuffered on the newlib side: each call goes straight into the stream's own buffers. NULL
 * without an output port (errno ENODEV), without memory (ENOMEM) or on another CPU than the
 * bootstrap CPU (EPERM). fclose ends this FILE; the next call makes another. */
FILE *tf_output(void);

/* ---- Network (guest only) ---------------------------------------------------------------------
 * IPv4 over the first virtio-net device. Addresses and ports are in host byte order. Only the
 * bootstrap CPU may call these (TF_EPERM otherwise). */

/* Brings the network up: finds the NIC, then takes the address from the boot options
 * tf.ip=A.B.C.D/PREFIX (and tf.gw=A.B.C.D), or asks DHCP for one (waiting up to `timeout_ns`, 0:
 * a default of 10 s). Without /PREFIX the prefix is 24. DHCP leases are not renewed: the address
 * is kept while the program runs. Returns 0 (also when the network is up already), TF_ENODEV
 * (no NIC), TF_ETIMEDOUT (no DHCP answer), TF_EINVAL (a malformed tf.ip or tf.gw), TF_EPERM. */
int tf_net_start(uint64_t timeout_ns);

/* The address in use (0 before tf_net_start succeeded), its prefix length and the gateway (0:
 * none). Returns 0, TF_EINVAL (config is NULL), TF_EPERM. */
struct tf_net_config {
    uint32_t ip;
    uint32_t prefix_len;
    uint32_t gateway;
    uint8_t mac[6];
    uint8_t dhcp; /* 1 when the address came from DHCP */
};
int tf_net_config(struct tf_net_config *config);

/* Where a datagram came from, or where it goes. */
struct tf_udp_peer {
    uint32_t ip;
    uint16_t port;
};

/* Opens a UDP socket bound to `port` (0: a free port from 49152 up). At most 8 sockets are open
 * at once; each queues up to TF_UDP_QUEUE_LEN datagrams that were received and not yet taken
 * (more are dropped and counted in drop_queue_full). Frames wait in the network card (256 of
 * them) until tf_udp_recv finds its socket's queue empty, so a burst is not lost while the
 * program takes its datagrams one by one. Returns a socket number (>= 0), TF_EADDRINUSE,
 * TF_ENOSPC, TF_ENETDOWN, TF_EPERM. Datagrams to a port nobody bound are dropped and counted. */
#define TF_UDP_QUEUE_LEN 64
int tf_udp_bind(uint16_t port);

/* Receives one datagram into buf (at most len bytes) and says who sent it. Blocks until one
 * arrives or `timeout_ns` passes (0: wait forever; the CPU halts meanwhile: no polling, no timer
 * tick); TF_UDP_NONBLOCK returns TF_EAGAIN at once when none is queued. Returns the datagram's
 * length; a longer datagram is cut to `len` and TF_EMSGSIZE returned instead. Received frames
 * are processed (ARP and ping answered, datagrams queued) only inside tf_udp_recv and
 * tf_udp_send. TF_EINVAL for a socket that is not open, TF_ETIMEDOUT, TF_EPERM. */
#define TF_UDP_NONBLOCK UINT64_MAX
int tf_udp_recv(int sock, void *buf, size_t len, struct tf_udp_peer *from, uint64_t timeout_ns);

/* Sends one datagram (at most TF_UDP_MAX_PAYLOAD bytes) from the socket's port. It does not wait
 * for ARP: a datagram to a next hop whose MAC address is not known yet is held (16 in all, 4 for
 * one next hop) while ARP asks (three requests, one a second) and leaves when the answer comes;
 * held datagrams that find no room, or whose next hop never answers, are dropped and counted in
 * tx_arp_dropped. Returns len, TF_EMSGSIZE, TF_EAGAIN when the NIC's transmit queue stayed
 * full, TF_EINVAL (bad socket, `to` NULL or address 0), TF_EPERM, or TF_ENETDOWN before
 * tf_net_start succeeded (whatever the socket and arguments: no socket is open then). */
#define TF_UDP_MAX_PAYLOAD 1472
int tf_udp_send(int sock, const void *buf, size_t len, const struct tf_udp_peer *to);

/* Closes a socket; datagrams queued on it are dropped. 0, TF_EINVAL, TF_EPERM. */
int tf_udp_close(int sock);

/* What the network saw since tf_net_start. Every frame received is counted exactly once: either
 * delivered/answered, or dropped under one reason. */
struct tf_net_stats {
    uint64_t rx_frames, tx_frames;
    uint64_t rx_udp_delivered, tx_udp;
    uint64_t arp_replies_sent, icmp_echo_replies_sent;
    uint64_t drop_bad_length;      /* truncated headers, lengths that disagree with the frame */
    uint64_t drop_bad_checksum;    /* IPv4 header, UDP or ICMP checksum */
    uint64_t drop_not_for_us;      /* another MAC or IPv4 address */
    uint64_t drop_fragment;        /* IPv4 fragments (not reassembled) */
    uint64_t drop_ip_options;      /* IPv4 headers with options */
    uint64_t drop_no_listener;     /* UDP to a port nobody bound */
    uint64_t drop_queue_full;      /* a socket's queue was full */
    uint64_t drop_unsupported;     /* other ethertypes, IP protocols, ARP/ICMP kinds */
    uint64_t drop_oversize;        /* frames larger than the receive buffer */
    uint64_t rx_arp_replies;       /* ARP replies to us, taken into the ARP cache */
    uint64_t drop_tx_full;         /* an ARP or echo request whose reply could not be queued */
    uint64_t drop_bad_source;      /* from a broadcast, multicast, loopback or our own address */
    uint64_t drop_arp_unsolicited; /* ARP replies to us that nobody asked for */
    uint64_t drop_arp_conflict;    /* ARP giving a cached address (or ours) another MAC */
    /* Datagrams that came while the DHCP client was still getting our address, held until a
     * socket binds their port (then counted again by what became of them; at most 4). */
    uint64_t rx_held;
    /* Not received frames: datagrams sent to a next hop whose MAC address was not known, and
     * dropped because no room was left to hold them while ARP asked, or no answer came. */
    uint64_t tx_arp_dropped;
};
int tf_net_stats(struct tf_net_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
