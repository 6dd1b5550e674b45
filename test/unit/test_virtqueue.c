/* Split virtqueues (src/pci/virtqueue.c): layout, publishing, doorbell and interrupt
 * suppression, and the free-running 16-bit indices across their wrap. The test is the device:
 * it takes what the driver made available and returns it through the used ring. */
#include "virtqueue.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>

/* The device's side of one queue */
struct device {
    struct virtq *q;
    uint16_t last_avail; /* next available entry the device takes */
};

/* Takes the next available descriptor; returns -1 when there is none. */
static int device_take(struct device *d)
{
    if (d->last_avail == __atomic_load_n(&d->q->avail->idx, __ATOMIC_ACQUIRE))
        return -1;
    return d->q->avail->ring[d->last_avail++ % d->q->size];
}

static void device_use(struct device *d, uint32_t id, uint32_t len)
{
    struct virtq_used *u = d->q->used;
    u->ring[u->idx % d->q->size] = (struct virtq_used_elem){id, len};
    __atomic_store_n(&u->idx, (uint16_t)(u->idx + 1), __ATOMIC_RELEASE);
}

START_TEST(layout_is_the_legacy_one)
{
    struct virtq q;
    ck_assert_int_eq(virtq_init(&q, 1, 256), 0);
    uint8_t *base = (uint8_t *)q.desc;
    ck_assert_uint_eq((uintptr_t)base % VIRTIO_LEGACY_ALIGN, 0);
    ck_assert_ptr_eq((uint8_t *)q.avail, base + 16 * 256);
    /* virtio 1.0 4.1.5.1.1 legacy: ALIGN(16 N + 2 (3 + N)), then ALIGN(2 * 3 + 8 N) */
    ck_assert_uint_eq(virtq_used_offset(256), 8192);
    ck_assert_ptr_eq((uint8_t *)q.used, base + 8192);
    ck_assert_uint_eq(virtq_bytes(256), 8192 + 4096);
    ck_assert_uint_eq(virtq_used_offset(4), 4096);
    ck_assert_uint_eq(q.index, 1);
    ck_assert_uint_eq(q.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    ck_assert_uint_eq(q.avail->idx, 0);
    ck_assert_uint_eq(q.used->idx, 0);
    virtq_free(&q);
}
END_TEST

START_TEST(sizes_must_be_powers_of_two)
{
    struct virtq q;
    ck_assert_int_eq(virtq_init(&q, 0, 0), -EINVAL);
    ck_assert_int_eq(virtq_init(&q, 0, 3), -EINVAL);
    ck_assert_int_eq(virtq_init(&q, 0, 100), -EINVAL);
    ck_assert_int_eq(virtq_init(&q, 0, 1), 0);
    virtq_free(&q);
}
END_TEST

START_TEST(descriptors_describe_buffers)
{
    struct virtq q;
    ck_assert_int_eq(virtq_init(&q, 0, 8), 0);
    virtq_describe(&q, 5, 0x123000, 2048, 1);
    virtq_describe(&q, 6, 0x124000, 2048, 0);
    virtq_set_len(&q, 6, 60);
    ck_assert_uint_eq(q.desc[5].addr, 0x123000);
    ck_assert_uint_eq(q.desc[5].len, 2048);
    ck_assert_uint_eq(q.desc[5].flags, VIRTQ_DESC_F_WRITE);
    ck_assert_uint_eq(q.desc[6].flags, 0);
    ck_assert_uint_eq(q.desc[6].len, 60);
    virtq_free(&q);
}
END_TEST

START_TEST(pushed_entries_appear_only_when_published)
{
    struct virtq q;
    ck_assert_int_eq(virtq_init(&q, 0, 8), 0);
    struct device d = {&q, 0};
    virtq_push(&q, 3);
    virtq_push(&q, 1);
    ck_assert_int_eq(device_take(&d), -1);
    ck_assert_int_eq(virtq_publish(&q), 1); /* the device did not say NO_NOTIFY */
    ck_assert_int_eq(device_take(&d), 3);
    ck_assert_int_eq(device_take(&d), 1);
    ck_assert_int_eq(device_take(&d), -1);
    ck_assert_int_eq(virtq_publish(&q), 0); /* nothing new: no doorbell */
    q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    virtq_push(&q, 2);
    ck_assert_int_eq(virtq_publish(&q), 0); /* new, but the device is polling */
    ck_assert_int_eq(device_take(&d), 2);
    virtq_free(&q);
}
END_TEST

START_TEST(used_entries_come_back_in_order)
{
    struct virtq q;
    uint16_t id;
    uint32_t len;
    ck_assert_int_eq(virtq_init(&q, 0, 4), 0);
    struct device d = {&q, 0};
    ck_assert_int_eq(virtq_pending(&q), 0);
    ck_assert_int_eq(virtq_pop(&q, &id, &len), 0);
    device_use(&d, 2, 100);
    device_use(&d, 0, 42);
    ck_assert_int_ne(virtq_pending(&q), 0);
    ck_assert_int_eq(virtq_pop(&q, &id, &len), 1);
    ck_assert_uint_eq(id, 2);
    ck_assert_uint_eq(len, 100);
    ck_assert_int_eq(virtq_pop(&q, &id, &len), 1);
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(len, 42);
    ck_assert_int_eq(virtq_pending(&q), 0);
    ck_assert_int_eq(virtq_pop(&q, &id, &len), 0);
    virtq_free(&q);
}
END_TEST

/* 70,000 round trips through a queue of 4: both 16-bit indices wrap past 65535 */
START_TEST(indices_wrap)
{
    struct virtq q;
    ck_assert_int_eq(virtq_init(&q, 0, 4), 0);
    struct device d = {&q, 0};
    for (uint32_t i = 0; i < 4; i++)
        virtq_push(&q, (uint16_t)i);
    virtq_publish(&q);
    for (uint32_t n = 0; n < 70000; n++) {
        int taken = device_take(&d);
        ck_assert_int_eq(taken, (int)(n % 4));
        device_use(&d, (uint32_t)taken, n);
        uint16_t id;
        uint32_t len;
        ck_assert_int_eq(virtq_pop(&q, &id, &len), 1);
        ck_assert_uint_eq(id, (uint16_t)taken);
        ck_assert_uint_eq(len, n);
        virtq_push(&q, id);
        virtq_publish(&q);
    }
    ck_assert_uint_eq(q.avail->idx, (uint16_t)(70000 + 4));
    ck_assert_uint_eq(q.used->idx, (uint16_t)70000);
    virtq_free(&q);
}
END_TEST

START_TEST(interrupt_requests)
{
    struct virtq q;
    ck_assert_int_eq(virtq_init(&q, 0, 4), 0);
    virtq_interrupts(&q, 1);
    ck_assert_uint_eq(q.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT, 0);
    virtq_interrupts(&q, 0);
    ck_assert_uint_eq(q.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_AVAIL_F_NO_INTERRUPT);
    virtq_free(&q);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("virtqueue");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, layout_is_the_legacy_one);
    tcase_add_test(tc, sizes_must_be_powers_of_two);
    tcase_add_test(tc, descriptors_describe_buffers);
    tcase_add_test(tc, pushed_entries_appear_only_when_published);
    tcase_add_test(tc, used_entries_come_back_in_order);
    tcase_add_test(tc, indices_wrap);
    tcase_add_test(tc, interrupt_requests);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
