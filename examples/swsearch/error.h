/* Errors of the Smith-Waterman search: every function that can fail returns 0 (or a count) on
 * success and one of the negative codes below, with a message for the user in a struct sw_error.
 * The front ends turn the code into the program's exit status (sw_exit_status). */
#ifndef SW_ERROR_H
#define SW_ERROR_H

#define SW_EUSAGE (-1) /* a bad option or argument: exit status 1 */
#define SW_EINPUT (-2) /* a FASTA or matrix file that does not parse: exit status 2 */
#define SW_EIO    (-3) /* a file that cannot be read or written: exit status 3 */
#define SW_ENOMEM (-4) /* out of memory: exit status 4 */
#define SW_ETASK  (-5) /* a task failed (the runtime reported an error): exit status 5 */

#define SW_ERROR_MAX 512

struct sw_error {
    int code;
    char msg[SW_ERROR_MAX]; /* one line without the program name, e.g. "q.fa:3: ..." */
};

/* Records code and the formatted message in *e (which may be NULL) and returns code. */
int sw_fail(struct sw_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The exit status for a code: 0 for 0 (or any non-negative value), 1-5 for the codes above. */
int sw_exit_status(int code);

#endif
