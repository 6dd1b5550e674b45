# The per-CPU mailbox slots, the surplus queue and the task records (portable C11), built from
# the same files into the guest runtime (libtaskfarm.a) and into the Linux build (src/host). They
# see the CPU interface and nothing else.
tf_layer(shm SOURCES shm/slot.c shm/queue.c shm/task.c shm/notice.c USES cpu)
