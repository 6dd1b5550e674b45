# The per-CPU mailbox slots, the surplus queue and the task records (portable C11), built from
# the same files into the guest runtime (libtaskfarm.a) and into the Linux build (src/host).
set(TF_SHM_SOURCES shm/slot.c shm/queue.c shm/task.c shm/notice.c)
list(APPEND TF_RUNTIME_SOURCES ${TF_SHM_SOURCES})
list(APPEND TF_RUNTIME_INCLUDES shm)
