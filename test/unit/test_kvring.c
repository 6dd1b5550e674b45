/* The core's half of split virtqueues (src/core/kvring.c): layout, posting and publishing,
 * doorbell and interrupt suppression, the ownership of descriptors (one the device holds is
 * busy until the used ring returns it), and the free-running 16-bit indices across their wrap;
 * and queues of fixed buffers, whose descriptors are written once and whose posts are bounded
 * by the entries the device has not returned.
 * The test is the device: it takes what the core made available and returns it through the used
 * ring. */
#include "kvring.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One queue on its own zeroed, page-aligned memory, and the device's side of it */
struct device {
    struct kvring r;
    void *memory;
    struct virtq_used *used; /* the device writes it */
    uint16_t last_avail;     /* next available entry the device takes */
};

static void open_queue(struct device *d, uint16_t size)
{
    *d = (struct device){0};
    d->memory = aligned_alloc(VIRTIO_LEGACY_ALIGN, kvring_bytes(size));
    ck_assert_ptr_nonnull(d->memory);
    memset(d->memory, 0, kvring_bytes(size));
    ck_assert_int_eq(kvring_init(&d->r, d->memory, size), 0);
    d->used = (struct virtq_used *)((uint8_t *)d->memory + kvring_used_offset(size));
}

/* Takes the next available descriptor; returns -1 when there is none. */
static int device_take(struct device *d)
{
    if (d->last_avail == __atomic_load_n(&d->r.avail->idx, __ATOMIC_ACQUIRE))
        return -1;
    return d->r.avail->ring[d->last_avail++ % d->r.size];
}

static void device_use(struct device *d, uint32_t id, uint32_t len)
{
    struct virtq_used *u = d->used;
    u->ring[u->idx % d->r.size] = (struct virtq_used_elem){id, len};
    __atomic_store_n(&u->idx, (uint16_t)(u->idx + 1), __ATOMIC_RELEASE);
}

START_TEST(layout_is_the_legacy_one)
{
    struct device d;
    open_queue(&d, 256);
    uint8_t *base = d.memory;
    ck_assert_ptr_eq((uint8_t *)d.r.desc, base);
    ck_assert_ptr_eq((uint8_t *)d.r.avail, base + 16 * 256);
    /* virtio 1.0 4.1.5.1.1 legacy: ALIGN(16 N + 2 (3 + N)), then ALIGN(2 * 3 + 8 N) */
    ck_assert_uint_eq(kvring_used_offset(256), 8192);
    ck_assert_ptr_eq((const void *)d.r.used, base + 8192);
    ck_assert_uint_eq(kvring_bytes(256), 8192 + 4096);
    ck_assert_uint_eq(kvring_used_offset(4), 4096);
    ck_assert_uint_eq(kvring_bytes(1024), 20480 + 12288);
    ck_assert_uint_eq(d.r.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    ck_assert_uint_eq(d.r.avail->idx, 0);
    free(d.memory);
}
END_TEST

START_TEST(sizes_must_be_powers_of_two)
{
    static uint8_t memory[65536];
    struct kvring r = {0};
    ck_assert_int_eq(kvring_init(&r, memory, 0), -1);
    ck_assert_int_eq(kvring_init(&r, memory, 3), -1);
    ck_assert_int_eq(kvring_init(&r, memory, 100), -1);
    ck_assert_int_eq(kvring_init(&r, memory, 2048), -1); /* above KVRING_SIZE_MAX */
    ck_assert_int_eq(kvring_init(&r, memory, 1), 0);
    ck_assert_int_eq(kvring_init(&r, memory, 1024), 0);
}
END_TEST

START_TEST(posts_describe_buffers)
{
    struct device d;
    open_queue(&d, 8);
    kvring_post(&d.r, 5, 0x123000, 2048, 1);
    kvring_post(&d.r, 6, 0x124000, 60, 0);
    ck_assert_uint_eq(d.r.desc[5].addr, 0x123000);
    ck_assert_uint_eq(d.r.desc[5].len, 2048);
    ck_assert_uint_eq(d.r.desc[5].flags, VIRTQ_DESC_F_WRITE); /* never NEXT or INDIRECT */
    ck_assert_uint_eq(d.r.desc[6].flags, 0);
    ck_assert_uint_eq(d.r.desc[6].len, 60);
    ck_assert_int_ne(kvring_busy(&d.r, 5), 0);
    ck_assert_int_ne(kvring_busy(&d.r, 6), 0);
    ck_assert_int_eq(kvring_busy(&d.r, 4), 0);
    ck_assert_uint_eq(d.r.held, 2);
    free(d.memory);
}
END_TEST

START_TEST(posted_entries_appear_only_when_published)
{
    struct device d;
    open_queue(&d, 8);
    kvring_post(&d.r, 3, 0x1000, 1, 0);
    kvring_post(&d.r, 1, 0x2000, 1, 0);
    ck_assert_int_eq(device_take(&d), -1);
    ck_assert_int_eq(kvring_publish(&d.r), 1); /* the device did not say NO_NOTIFY */
    ck_assert_int_eq(device_take(&d), 3);
    ck_assert_int_eq(device_take(&d), 1);
    ck_assert_int_eq(device_take(&d), -1);
    ck_assert_int_eq(kvring_publish(&d.r), 0); /* nothing new: no doorbell */
    d.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    kvring_post(&d.r, 2, 0x3000, 1, 0);
    ck_assert_int_eq(kvring_publish(&d.r), 0); /* new, but the device is polling */
    ck_assert_int_eq(device_take(&d), 2);
    free(d.memory);
}
END_TEST

/* A descriptor stays busy until the used ring names it; ids the device never held, out of
 * range or returned twice change nothing. */
START_TEST(used_entries_return_descriptors)
{
    struct device d;
    open_queue(&d, 4);
    kvring_post(&d.r, 2, 0x1000, 1, 1);
    kvring_post(&d.r, 0, 0x2000, 1, 1);
    kvring_publish(&d.r);
    kvring_reap(&d.r);
    ck_assert_int_ne(kvring_busy(&d.r, 2), 0);
    device_use(&d, 2, 100);
    device_use(&d, 2, 100); /* twice */
    device_use(&d, 9, 1);   /* not a descriptor */
    device_use(&d, 3, 1);   /* never posted */
    kvring_reap(&d.r);
    ck_assert_int_eq(kvring_busy(&d.r, 2), 0);
    ck_assert_int_ne(kvring_busy(&d.r, 0), 0);
    ck_assert_uint_eq(d.r.held, 1);
    device_use(&d, 0, 42);
    kvring_reap(&d.r);
    ck_assert_int_eq(kvring_busy(&d.r, 0), 0);
    ck_assert_uint_eq(d.r.held, 0);
    free(d.memory);
}
END_TEST

/* 70,000 round trips through a queue of 4: both 16-bit indices wrap past 65535 */
START_TEST(indices_wrap)
{
    struct device d;
    open_queue(&d, 4);
    for (uint16_t i = 0; i < 4; i++)
        kvring_post(&d.r, i, 0x1000u * (i + 1u), 64, 1);
    kvring_publish(&d.r);
    for (uint32_t n = 0; n < 70000; n++) {
        int taken = device_take(&d);
        ck_assert_int_eq(taken, (int)(n % 4));
        device_use(&d, (uint32_t)taken, n);
        kvring_reap(&d.r);
        ck_assert_int_eq(kvring_busy(&d.r, (uint16_t)taken), 0);
        kvring_post(&d.r, (uint16_t)taken, 0x1000u * (unsigned)(taken + 1), 64, 1);
        kvring_publish(&d.r);
        ck_assert_uint_eq(d.r.held, 4);
    }
    ck_assert_uint_eq(d.r.avail->idx, (uint16_t)(70000 + 4));
    ck_assert_uint_eq(d.used->idx, (uint16_t)70000);
    free(d.memory);
}
END_TEST

START_TEST(fixed_descriptors_are_written_once)
{
    struct device d;
    open_queue(&d, 8);
    kvring_fix(&d.r, 6, 0x200000, 2048, 1);
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_uint_eq(d.r.desc[i].addr, 0x200000 + 2048 * i);
        ck_assert_uint_eq(d.r.desc[i].len, 2048);
        ck_assert_uint_eq(d.r.desc[i].flags, VIRTQ_DESC_F_WRITE);
    }
    ck_assert_uint_eq(d.r.desc[6].addr, 0); /* beyond the slots: untouched */
    ck_assert_uint_eq(d.r.avail_idx, 0);    /* nothing offered yet */
    kvring_fix(&d.r, 2, 0x400000, 64, 0);
    ck_assert_uint_eq(d.r.desc[1].flags, 0);
    ck_assert_uint_eq(d.r.desc[1].addr, 0x400000 + 64);
    free(d.memory);
}
END_TEST

START_TEST(offers_set_only_the_length)
{
    struct device d;
    open_queue(&d, 4);
    kvring_fix(&d.r, 4, 0x300000, 1024, 0);
    kvring_offer(&d.r, 2, 60);
    kvring_offer(&d.r, 0, 1024);
    ck_assert_uint_eq(d.r.desc[2].len, 60);
    ck_assert_uint_eq(d.r.desc[2].addr, 0x300000 + 2048);
    ck_assert_int_eq(device_take(&d), -1); /* not published yet */
    kvring_publish(&d.r);
    ck_assert_int_eq(device_take(&d), 2);
    ck_assert_int_eq(device_take(&d), 0);
    ck_assert_int_eq(device_take(&d), -1);
    kvring_offer(&d.r, 2, 90); /* again, while the device holds it: its length changes only */
    ck_assert_uint_eq(d.r.desc[2].len, 90);
    ck_assert_uint_eq(d.r.desc[2].addr, 0x300000 + 2048);
    ck_assert_uint_eq(d.r.desc[2].flags, 0);
    free(d.memory);
}
END_TEST

/* The available ring never runs over an entry the device has not taken: room is the size less
 * what was offered and not returned, across the 16-bit wrap, and 0 for a device that returned
 * more than it was given. */
START_TEST(room_counts_what_the_device_has_not_returned)
{
    struct device d;
    open_queue(&d, 4);
    kvring_fix(&d.r, 4, 0x300000, 1024, 1);
    ck_assert_uint_eq(kvring_room(&d.r), 4);
    for (unsigned round = 0; round < 70000; round++) {
        unsigned room = kvring_room(&d.r);
        ck_assert_uint_eq(room, 4 - (round % 3));
        kvring_offer(&d.r, (uint16_t)(round % 4), 100);
        kvring_publish(&d.r);
        if (round % 3 == 2) /* the device returns three at once */
            for (int k = 0; k < 3; k++) {
                int id = device_take(&d);
                ck_assert_int_ge(id, 0);
                device_use(&d, (uint32_t)id, 100);
            }
    }
    ck_assert_uint_eq(kvring_room(&d.r), 3);     /* 70000 = 3 * 23333 + 1: one outstanding */
    d.used->idx = (uint16_t)(d.r.avail_idx + 1); /* a device returning one it never got */
    ck_assert_uint_eq(kvring_room(&d.r), 0);
    free(d.memory);
}
END_TEST

START_TEST(interrupt_requests)
{
    struct device d;
    open_queue(&d, 4);
    kvring_interrupts(&d.r, 1);
    ck_assert_uint_eq(d.r.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT, 0);
    kvring_interrupts(&d.r, 0);
    ck_assert_uint_eq(d.r.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_AVAIL_F_NO_INTERRUPT);
    free(d.memory);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kvring");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, layout_is_the_legacy_one);
    tcase_add_test(tc, sizes_must_be_powers_of_two);
    tcase_add_test(tc, posts_describe_buffers);
    tcase_add_test(tc, posted_entries_appear_only_when_published);
    tcase_add_test(tc, used_entries_return_descriptors);
    tcase_add_test(tc, indices_wrap);
    tcase_add_test(tc, interrupt_requests);
    tcase_add_test(tc, fixed_descriptors_are_written_once);
    tcase_add_test(tc, offers_set_only_the_length);
    tcase_add_test(tc, room_counts_what_the_device_has_not_returned);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
