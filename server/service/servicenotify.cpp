#include "servicenotify.h"

#ifdef QTUS_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace qtus {

namespace {

void notify(const char *state, const QString &status)
{
#ifdef QTUS_HAVE_LIBSYSTEMD
    // One datagram with both lines, so systemd sees the state and its reason together. The
    // environment is kept (unset_environment 0): STOPPING=1 needs NOTIFY_SOCKET later, and
    // hook programs that inherit it cannot speak for qtusd (NotifyAccess=main).
    const QByteArray message = QByteArray(state) + "\nSTATUS=" + status.toUtf8();
    sd_notify(0, message.constData());
#else
    Q_UNUSED(state);
    Q_UNUSED(status);
#endif
}

} // namespace

void notifyServiceReady(const QString &status)
{
    notify("READY=1", status);
}

void notifyServiceStopping(const QString &status)
{
    notify("STOPPING=1", status);
}

} // namespace qtus
