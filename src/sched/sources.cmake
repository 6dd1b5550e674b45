# The scheduler (policy, portable C11), built from the same files into the guest runtime
# (libtaskfarm.a) and into the Linux build (src/host/host.cmake). It sees the mailbox slots and
# the CPU interface, and no hardware.
tf_layer(sched
  SOURCES sched/init.c sched/place.c sched/submit.c sched/worker.c sched/wait.c sched/info.c
          sched/strerror.c sched/range.c
  USES shm cpu)
