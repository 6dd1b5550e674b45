/* Split virtqueues, driver side at CPL3 (see virtqueue.h). */
#include "virtqueue.h"
#include "usys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int virtq_init(struct virtq *q, uint16_t index, uint16_t size)
{
    if (size == 0 || size > KABI_VQ_SIZE_MAX || (size & (size - 1)))
        return -EINVAL;
    *q = (struct virtq){.size = size, .index = index};
    q->described = calloc(size, sizeof(*q->described));
    q->pushed = calloc(size, sizeof(*q->pushed));
    long handle = q->described && q->pushed
                      ? usys_call(KABI_SYS_VQ_OPEN, size, (long)(uintptr_t)&q->rings, 0, 0)
                      : -ENOMEM;
    if (handle < 0) {
        free(q->described);
        free(q->pushed);
        *q = (struct virtq){0};
        return handle == -EINVAL ? -EINVAL : -ENOMEM;
    }
    q->handle = (int)handle;
    q->used = (const volatile struct virtq_used *)(uintptr_t)q->rings.used;
    return 0;
}

int virtq_buffers(struct virtq *q, void *base, uint32_t stride, uint16_t count, int device_writes)
{
    if (count == 0 || count > q->size || stride == 0)
        return -EINVAL;
    uint16_t flags = device_writes ? KABI_VQ_DEVICE_WRITES : 0;
    for (uint16_t i = 0; i < count; i++)
        q->described[i] =
            (struct kabi_vq_buffer){.addr = (uint64_t)(uintptr_t)base + (uint64_t)i * stride,
                                    .len = stride,
                                    .id = i,
                                    .flags = flags};
    long rc = usys_call(KABI_SYS_VQ_BIND, q->handle, (long)(uintptr_t)&q->described[0], count, 0);
    q->bound = rc == 0;
    return rc < 0 ? (int)rc : 0;
}

void virtq_set_len(struct virtq *q, uint16_t id, uint32_t len)
{
    q->described[id].len = len;
}

void virtq_push(struct virtq *q, uint16_t id)
{
    if (q->npushed < q->size) /* a driver holds at most size buffers */
        q->pushed[q->npushed++] = q->described[id];
}

int virtq_publish(struct virtq *q)
{
    if (q->npushed == 0)
        return 0;
    long rc;
    if (q->bound && q->npushed <= KABI_VQ_PUT_MAX) {
        long slot[KABI_VQ_PUT_MAX] = {0};
        for (unsigned i = 0; i < q->npushed; i++)
            slot[i] = (long)KABI_VQ_SLOT(q->pushed[i].id, q->pushed[i].len);
        rc = usys_call(KABI_SYS_VQ_PUT, q->handle | (long)q->npushed << KABI_VQ_PUT_COUNT_SHIFT,
                       slot[0], slot[1], slot[2]);
    } else {
        rc = usys_call(KABI_SYS_VQ_POST, q->handle, (long)(uintptr_t)q->pushed, q->npushed, 0);
    }
    unsigned posted = rc < 0 ? 0 : (unsigned)(rc & (KABI_VQ_NOTIFY - 1));
    if (posted < q->npushed) {
        static int said;
        if (!said++)
            fprintf(stderr, "taskfarm: the core refused a buffer of virtqueue %u (%ld)\n", q->index,
                    rc < 0 ? rc : -(long)EIO);
    }
    __atomic_store_n(&q->published, (uint16_t)(q->published + posted), __ATOMIC_RELEASE);
    q->posts += posted;
    q->post_calls++;
    q->npushed = 0;
    return rc > 0 && (rc & KABI_VQ_NOTIFY);
}

int virtq_pending(const struct virtq *q)
{
    return __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->used_idx;
}

int virtq_pop(struct virtq *q, uint16_t *id, uint32_t *len)
{
    /* acquire: the element is read after the index that announced it */
    if (!virtq_pending(q))
        return 0;
    const volatile struct virtq_used_elem *e = &q->used->ring[q->used_idx & (q->size - 1)];
    *id = (uint16_t)e->id;
    *len = e->len;
    q->used_idx++;
    return 1;
}

void virtq_wait(struct virtq *q, uint64_t timer, unsigned mode)
{
    usys_call(KABI_SYS_VQ_WAIT, q->handle, q->used_idx, (long)timer, (long)mode);
}
