// qtus-admin --connect: the admin window, on the offscreen platform, showing a real qtusd
// process over its admin API (RemoteSessionSource). Rows appear and move as uploads are made
// through the daemon's upload endpoint; "Clean up now" runs a pass on the daemon, which
// removes an expired upload; Terminate removes one; when the daemon stops, the window says
// the connection is lost and keeps the last rows greyed; when it is back, it says nothing
// and the rows are current again. An upload whose id and metadata a pre-create hook chose
// (ChangeFileInfo) shows them.
#include "../process/qtusdprocess.h"
#include "shared/testcertificates.h"

#include "adminwindow.h"
#include "clock.h"
#include "remotesessionsource.h"
#include "sessionactions.h"
#include "sessionfilterproxy.h"
#include "sessiontablemodel.h"

#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTcpServer>

using namespace qtus;

class tst_RemoteWindow : public QObject
{
    Q_OBJECT
private slots:
    void followsADaemon();
    void showsWhatAHookChose();
    void trustsTheGivenCertificateOverTls();
};

namespace {
quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

int rowOf(SessionTableModel &model, const QUrl &upload)
{
    return model.rowOf(upload.path().section(QLatin1Char('/'), -1));
}
} // namespace

void tst_RemoteWindow::followsADaemon()
{
    auto daemon = std::make_unique<QtusdProcess>();
    QTemporaryDir uploads;
    daemon->uploadDirectory = uploads.path();
    daemon->adminPort = freePort();
    const QStringList flags{QStringLiteral("--expire-after"), QStringLiteral("2s"), QStringLiteral("--cleanup-interval"),
                            QStringLiteral("0")};
    QVERIFY(daemon->start(flags));
    const quint16 adminPort = daemon->adminPort;

    RemoteSessionSource source(daemon->adminUrl, daemon->token);
    SystemClock clock;
    AdminWindow window(source, clock);
    window.show();
    source.start();
    auto *banner = window.findChild<QLabel *>(QStringLiteral("connectionBanner"));
    auto *cleanup = window.findChild<QPushButton *>(QStringLiteral("cleanupButton"));
    QVERIFY(banner && cleanup);
    QTRY_VERIFY_WITH_TIMEOUT(source.status().connected, 10000);
    QTRY_VERIFY(!banner->isVisible());
    QTRY_COMPARE(source.status().uploadUrl, daemon->uploadUrl);
    SessionTableModel &model = window.sessionModel();

    // Rows appear as uploads are made on the daemon, and follow their bytes.
    const QUrl kept = daemon->createUpload(5, "kept.txt");
    const QUrl doomed = daemon->createUpload(10, "doomed.txt");
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, kept) >= 0 && rowOf(model, doomed) >= 0, 10000);
    QCOMPARE(model.sessionAt(rowOf(model, kept))->fileName(), QStringLiteral("kept.txt"));
    QCOMPARE(daemon->patch(kept, 0, "hello"), 204);  // complete: it never expires
    QTRY_VERIFY_WITH_TIMEOUT(model.sessionAt(rowOf(model, kept))->isComplete(), 10000);

    // "Clean up now" runs a pass on the daemon, which removes the expired upload.
    QTRY_COMPARE_WITH_TIMEOUT(daemon->request("HEAD", doomed, {{"Tus-Resumable", "1.0.0"}}).status, 410, 10000);
    QTRY_VERIFY(cleanup->isEnabled());
    cleanup->click();
    QTRY_COMPARE_WITH_TIMEOUT(rowOf(model, doomed), -1, 10000);
    QCOMPARE(daemon->request("HEAD", doomed, {{"Tus-Resumable", "1.0.0"}}).status, 404);
    QTRY_VERIFY(source.status().lastReport && source.status().lastReport->removed == 1);

    // Terminate through the window's actions.
    const QUrl victim = daemon->createUpload(0, "victim.bin");  // complete at once
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, victim) >= 0, 10000);
    std::optional<SessionSource::TerminateResult> result;
    window.sessionActions().terminate(victim.path().section(QLatin1Char('/'), -1), [&](SessionSource::TerminateResult r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QCOMPARE(*result, SessionSource::TerminateResult::Removed);
    QTRY_COMPARE(rowOf(model, victim), -1);

    // The daemon stops: the loss is plain to see, the last rows stay.
    const QUrl adminUrl = daemon->adminUrl;
    daemon.reset();
    QTRY_VERIFY_WITH_TIMEOUT(!source.status().connected, 10000);
    QTRY_VERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QStringLiteral("lost")));
    QVERIFY2(banner->text().contains(adminUrl.toString()), qPrintable(banner->text()));  // the API, not the uploads
    QVERIFY(rowOf(model, kept) >= 0);
    QVERIFY(!cleanup->isEnabled());

    // It comes back on the same directory and admin port (the same token file): the window
    // reconnects by itself, learns it is another instance, and takes a fresh snapshot.
    auto again = std::make_unique<QtusdProcess>();
    again->uploadDirectory = uploads.path();
    again->adminPort = adminPort;
    QVERIFY(again->start(flags));
    QTRY_VERIFY_WITH_TIMEOUT(source.status().connected, 15000);
    QTRY_VERIFY(!banner->isVisible());
    QVERIFY(rowOf(model, kept) >= 0);
    QCOMPARE(rowOf(model, doomed), -1);
    const QUrl fresh = again->createUpload(3, "fresh.txt");
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, fresh) >= 0, 10000);
}

void tst_RemoteWindow::showsWhatAHookChose()
{
    QTemporaryDir hooks;
    QVERIFY(hooks.isValid());
    const QString chosenId = QStringLiteral("0123456789abcdef0123456789abcdef");
    QFile hook(hooks.filePath(QStringLiteral("pre-create")));
    QVERIFY(hook.open(QIODevice::WriteOnly));
    hook.write("#!/bin/sh\ncat >/dev/null\necho '{\"ChangeFileInfo\":{\"ID\":\"" + chosenId.toLatin1()
               + "\",\"MetaData\":{\"filename\":\"renamed.txt\"}}}'\n");
    hook.close();
    QVERIFY(hook.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner));

    QtusdProcess daemon;
    QTemporaryDir uploads;
    daemon.uploadDirectory = uploads.path();
    daemon.adminPort = freePort();
    QVERIFY(daemon.start({QStringLiteral("--hooks-dir"), hooks.path()}));
    RemoteSessionSource source(daemon.adminUrl, daemon.token);
    SystemClock clock;
    AdminWindow window(source, clock);
    window.show();
    source.start();
    QTRY_VERIFY_WITH_TIMEOUT(source.status().connected, 10000);

    const QUrl upload = daemon.createUpload(5, "original.txt");
    QCOMPARE(upload.path().section(QLatin1Char('/'), -1), chosenId);
    SessionTableModel &model = window.sessionModel();
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, upload) >= 0, 10000);
    QCOMPARE(model.sessionAt(rowOf(model, upload))->fileName(), QStringLiteral("renamed.txt"));
}

// An admin API over TLS (--tls-cert) with a private CA: the window connects when it is told
// to trust the CA (qtus-admin --ca-file), and says why not when it is not.
void tst_RemoteWindow::trustsTheGivenCertificateOverTls()
{
    TestCertificates certs;
    QString error;
    QVERIFY2(certs.make(&error), qPrintable(error));
    QtusdProcess daemon;
    QTemporaryDir uploads;
    daemon.uploadDirectory = uploads.path();
    daemon.adminPort = freePort();
    QVERIFY(daemon.start({QStringLiteral("--tls-cert"), certs.chain(), QStringLiteral("--tls-key"), certs.key()}));
    QCOMPARE(daemon.adminUrl.scheme(), QStringLiteral("https"));

    RemoteSessionSource untrusting(daemon.adminUrl, daemon.token);
    untrusting.start();
    QTRY_VERIFY_WITH_TIMEOUT(!untrusting.status().connectionProblem.isEmpty(), 10000);
    QVERIFY(!untrusting.status().connected);

    RemoteSessionSource source(daemon.adminUrl, daemon.token);
    source.trustCertificates(certs.trusted());
    SystemClock clock;
    AdminWindow window(source, clock);
    window.show();
    source.start();
    QTRY_VERIFY_WITH_TIMEOUT(source.status().connected, 10000);
    QTRY_COMPARE(source.status().uploadUrl.scheme(), QStringLiteral("https"));
    QVERIFY2(source.status().connectionProblem.isEmpty(), qPrintable(source.status().connectionProblem));
}

QTEST_MAIN(tst_RemoteWindow)
#include "tst_remotewindow.moc"
