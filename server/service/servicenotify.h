#pragma once
// Tells a service manager how qtusd is doing (systemd's Type=notify, through libsystemd's
// sd_notify): READY=1 once it listens, STOPPING=1 when a graceful stop begins, each with a
// STATUS= line for `systemctl status`. Does nothing when qtusd was not started with a
// NOTIFY_SOCKET, and in a build without libsystemd (QTUS_HAVE_LIBSYSTEMD unset).
//
// Threads: the main thread (qtusd's event loop), where the server starts and stops.
#include <QString>

namespace qtus {

void notifyServiceReady(const QString &status);
void notifyServiceStopping(const QString &status);

} // namespace qtus
