/* The cache line: the unit in which CPUs share memory, and so of false sharing. Data that one
 * CPU writes and others read, or that different CPUs write (per-CPU records, mailbox slots,
 * queue ends), is aligned to it. A header without includes, so that the CPL0 core, which sees
 * none of cpu.h's, uses the same constant. */
#ifndef TF_CPU_CACHE_LINE_H
#define TF_CPU_CACHE_LINE_H

#define CPU_CACHE_LINE 64 /* bytes; every x86-64 processor so far */

#endif
