/* Authenticated datagrams of the prime-count protocol (docs/protocol.md, "Authentication"): a
 * shared key, HMAC-SHA-256 over every datagram, and a counter t against replays.
 *
 * A sealed datagram is the message, a blank, "t=T", a blank, "mac=HEX" and a newline:
 *
 *     ping id=7 t=1700000000000001 mac=<64 hex digits>
 *
 * HEX is HMAC-SHA-256(key, label || every byte before "mac="), where the label is
 * "primes-request\n" for requests and "primes-reply\n" for replies, so that neither can stand
 * for the other. A reply carries the t of the request it answers. The server keeps, for each
 * client (address and port), the highest t seen and which of the AUTH_WINDOW below it were seen
 * (the sliding window of RFC 4303 section 3.4.3), and refuses a t seen before or below the
 * window. Plain C with no I/O; hmac.h supplies the MAC. */
#ifndef PRIMES_AUTH_H
#define PRIMES_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_KEY_MIN     16  /* bytes of a key: 128 bits at least */
#define AUTH_KEY_MAX     64  /* bytes: one SHA-256 block, so that the key is never hashed first */
#define AUTH_MAC_HEX     64  /* hex digits of a MAC */
#define AUTH_TRAILER_MAX 93  /* " t=" 20 digits " mac=" 64 digits "\n": what sealing adds */
#define AUTH_WINDOW      64  /* t values below the highest one a client may still use once */
#define AUTH_PEERS       256 /* clients (address, port) with anti-replay state */
#define AUTH_ADDRESSES   64  /* addresses that keep a floor for their forgotten clients */

struct auth_key {
    uint8_t bytes[AUTH_KEY_MAX];
    size_t len;
};

/* Reads a key written as hex digits (AUTH_KEY_MIN to AUTH_KEY_MAX bytes: 32 to 128 digits of
 * either case), optionally followed by blanks and newlines (a key file's text). 0, or -1 with
 * the reason in why. */
int auth_key_parse(struct auth_key *key, const char *text, size_t len, char *why, size_t why_len);

enum auth_dir { AUTH_REQUEST, AUTH_REPLY };

/* Seals msg[0..len) in place: a final newline is dropped, then " t=T mac=HEX\n" is appended
 * and the result NUL-terminated. Returns the new length, or 0 when it needs more than `cap`
 * bytes with the NUL. */
size_t auth_seal(const struct auth_key *key, enum auth_dir dir, char *msg, size_t len, size_t cap,
                 uint64_t t);

enum auth_verdict {
    AUTH_OK,      /* the MAC is right: *inner_len and *t are set */
    AUTH_NO_MAC,  /* it does not end "t=T mac=HEX", HEX 64 lower-case hex digits (trailing
                   * blanks allowed) */
    AUTH_BAD_MAC, /* it does, and the MAC is wrong */
};
/* Checks a sealed datagram. On AUTH_OK, msg[0..*inner_len) is the message (the bytes before
 * "t=", its blanks included) and *t its counter (1 or more). */
enum auth_verdict auth_open(const struct auth_key *key, enum auth_dir dir, const char *msg,
                            size_t len, size_t *inner_len, uint64_t *t);

/* Anti-replay state for at most AUTH_PEERS clients. A client not in the table (new, or
 * forgotten to make room: least recently seen first) must send a t above its address's floor,
 * the highest t of that address's forgotten clients; an address forgotten in turn raises the
 * floor of every address not in the table. So a datagram is never accepted twice, however many
 * clients come and go; the price is that a client whose counter lags behind another's from the
 * same address is refused once it has been forgotten. */
struct auth_peer {
    uint32_t ip;
    uint16_t port;
    uint64_t top;   /* the highest t accepted */
    uint64_t seen;  /* bit i: top - i was accepted */
    uint64_t stamp; /* when last used; 0: empty */
};
struct auth_floor {
    uint32_t ip;
    uint64_t floor; /* t at most this is refused from a client of ip not in the table */
    uint64_t stamp;
};
struct auth_replay {
    struct auth_peer peer[AUTH_PEERS];
    struct auth_floor addr[AUTH_ADDRESSES];
    uint64_t floor; /* for addresses not in addr[]: at first the server's tf.t_min */
    uint64_t clock;
};

/* An empty table that refuses every t up to `floor`. */
void auth_replay_init(struct auth_replay *r, uint64_t floor);

/* 1 when t from ip:port was never accepted and is not below its window (or floor). */
int auth_replay_fresh(const struct auth_replay *r, uint32_t ip, uint16_t port, uint64_t t);

/* Takes t from ip:port as seen; call it only for a datagram whose MAC was right and whose t
 * was fresh (RFC 4303 3.4.3: the window moves only for datagrams that passed the check). */
void auth_replay_record(struct auth_replay *r, uint32_t ip, uint16_t port, uint64_t t);

#endif
