/* The guest runtime's errno values as taskfarm.h's error codes (see api_error.h). */
#include "api_error.h"
#include "taskfarm.h"

#include <errno.h>

int api_error_from_errno(int err)
{
    if (err >= 0)
        return err;
    switch (-err) {
    case EINVAL:
        return TF_EINVAL;
    case ENOSPC:
        return TF_ENOSPC;
    case EPERM:
        return TF_EPERM;
    case ENODEV:
        return TF_ENODEV;
    case ENOMEM:
        return TF_ENOMEM;
    case EAGAIN:
        return TF_EAGAIN;
    case ETIMEDOUT:
        return TF_ETIMEDOUT;
    case EADDRINUSE:
        return TF_EADDRINUSE;
    case EMSGSIZE:
        return TF_EMSGSIZE;
    case ENETDOWN:
        return TF_ENETDOWN;
    default:
        return TF_ENODEV;
    }
}
