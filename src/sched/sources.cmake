# The scheduler (policy, portable C11), built from the same files into the guest runtime
# (libtaskfarm.a) and into the Linux build (src/host/host.cmake).
set(TF_SCHED_SOURCES sched/init.c sched/place.c sched/submit.c sched/worker.c sched/wait.c
  sched/info.c sched/strerror.c)
list(APPEND TF_RUNTIME_SOURCES ${TF_SCHED_SOURCES})
list(APPEND TF_RUNTIME_INCLUDES sched)
