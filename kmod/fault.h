/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault-injection points of the module, on kernels built for them
 * (CONFIG_FAULT_INJECTION_DEBUG_FS: the debug kernel).  Each is a
 * directory in debugfs with the usual attributes (probability, times,
 * task-filter, ...: Documentation/fault-injection) and one of its own:
 *
 *  - zcopy_fail_send: a send to a socket fails before TCP sees it, with
 *    "errno", so that tests can make a send return any errno one can,
 *    when they choose (the order_test selftest);
 *  - zcopy_delay_timer: the retry timer busy-waits "ms" milliseconds
 *    after it has queued its pass, long enough for the pass to run and
 *    end and for the context to close meanwhile: the timer must hold
 *    nothing by then (the context_test selftest).
 *
 * Elsewhere they compile to nothing.
 */
#ifndef ZCOPY_FAULT_H
#define ZCOPY_FAULT_H

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
int zcopy_fault_send(void);
void zcopy_fault_delay_timer(void);
void zcopy_fault_init(void);
void zcopy_fault_exit(void);
#else
static inline int zcopy_fault_send(void) { return 0; }
static inline void zcopy_fault_delay_timer(void) { }
static inline void zcopy_fault_init(void) { }
static inline void zcopy_fault_exit(void) { }
#endif

#endif /* ZCOPY_FAULT_H */
