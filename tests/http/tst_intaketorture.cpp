// A fixed-seed torture run of the streaming intake: many keep-alive connections at once,
// each sending a random mix of HEAD, PATCH (Content-Length or chunked), creation-with-upload
// POST and OPTIONS, pipelined 1-3 at a time and cut into random segments from 1 byte to
// 1 MiB. Every response (status, Upload-Offset, Tus-Resumable) is checked against a model of
// what the server must have stored, and every stored byte is compared at the end.
//
// The server runs in this thread, so the clients are driven by signals, and the test waits
// on one QSignalSpy: each connection's byte stream depends only on its seed.
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QElapsedTimer>
#include <QTest>

using namespace qtus;

namespace {

constexpr int connectionCount = 20;
constexpr int batchesPerConnection = 20;

struct Expected
{
    int status = 0;
    qint64 offset = -1;      // Upload-Offset, -1: must be absent or is not checked
    QByteArray created;      // for a 201: the content the new upload must end up with
};

struct CreatedUpload
{
    QByteArray path;
    QByteArray content;
};

// One client connection and its model of the server's state for its own uploads.
class TortureConnection : public QObject
{
    Q_OBJECT

public:
    TortureConnection(quint32 baseSeed, int index, quint16 port) : m_index(index), m_rng(baseSeed + quint32(index))
    {
        m_client.setSegmentation(baseSeed * 31 + quint32(index), 1024 * 1024);
        connect(&m_client, &PipelinedClient::changed, this, &TortureConnection::check);
        m_length = qint64(m_rng.bounded(64 * 1024, 1536 * 1024));
        m_data = patternBytes(m_length, baseSeed + 1000 + quint32(index));
        m_client.connectToPort(port);
        // First its own upload, maybe with a first piece; the other requests need its path.
        const qint64 first = m_rng.bounded(2) ? qint64(m_rng.bounded(int(m_length / 4))) : 0;
        send(wire::post(m_length, m_data.left(first)), {201, first, {}});
        m_offset = first;
        m_ownPending = true;
    }

    bool isFinished() const { return m_finished; }
    QString progress() const
    {
        return QStringLiteral("connection %1: %2 responses checked, %3 awaited%4")
            .arg(m_index)
            .arg(m_checked)
            .arg(m_expected.size())
            .arg(m_client.isClosed() ? QStringLiteral(", closed") : QString());
    }
    QString failure() const { return m_failure; }
    int responsesChecked() const { return m_checked; }
    const QByteArray &path() const { return m_path; }
    QByteArray expectedContent() const { return m_data.left(m_offset); }
    const QList<CreatedUpload> &created() const { return m_created; }

signals:
    void finished();

private:
    void send(const QByteArray &request, const Expected &expected)
    {
        m_expected.append(expected);
        m_client.sendRequest(request);
    }

    void nextBatch()
    {
        const int count = int(m_rng.bounded(1, 4));
        for (int i = 0; i < count; ++i) {
            switch (m_rng.bounded(4)) {
            case 0:
                if (!m_created.isEmpty() && m_rng.bounded(3) == 0) {  // one it created earlier
                    const CreatedUpload &u = m_created.at(m_rng.bounded(int(m_created.size())));
                    send(wire::head(u.path), {200, u.content.size(), {}});
                } else {
                    send(wire::head(m_path), {200, m_offset, {}});
                }
                break;
            case 1: {
                const qint64 left = m_length - m_offset;
                const qint64 cap = qMin<qint64>(left, QList<qint64>{1000, 60000, 400000}.at(m_rng.bounded(3)));
                const qint64 n = cap > 0 ? qint64(m_rng.bounded(quint64(cap) + 1)) : 0;
                const QByteArray piece = m_data.mid(m_offset, n);
                if (m_rng.bounded(4) == 0)
                    send(wire::chunkedPatchHead(m_path, m_offset) + wire::chunked(piece, m_rng.bounded(1, 70000)),
                         {204, m_offset + n, {}});
                else
                    send(wire::patch(m_path, m_offset, piece), {204, m_offset + n, {}});
                m_offset += n;
                break;
            }
            case 2: {
                const qint64 length = m_rng.bounded(1, 200000);
                const qint64 bodySize = m_rng.bounded(1, int(length) + 1);
                const QByteArray body = patternBytes(bodySize, m_rng.generate());
                send(wire::post(length, body), {201, body.size(), body});
                break;
            }
            default:
                send(wire::options(), {204, -1, {}});
                break;
            }
        }
    }

    void fail(const QString &why)
    {
        if (m_finished)
            return;
        m_failure = QStringLiteral("connection %1, response %2: %3").arg(m_index).arg(m_checked).arg(why);
        m_finished = true;
        emit finished();
    }

    void check()
    {
        const QList<RawResponse> &responses = m_client.responses();
        while (!m_finished && m_checked < responses.size()) {
            const RawResponse &r = responses.at(m_checked);
            if (m_expected.isEmpty())
                return fail(QStringLiteral("unexpected response ") + QString::fromLatin1(r.statusLine));
            const Expected e = m_expected.takeFirst();
            if (r.status != e.status)
                return fail(QStringLiteral("status %1, expected %2").arg(QString::fromLatin1(r.statusLine)).arg(e.status));
            if (e.offset >= 0 && r.header("Upload-Offset") != QByteArray::number(e.offset))
                return fail(QStringLiteral("Upload-Offset %1, expected %2")
                                .arg(QString::fromLatin1(r.header("Upload-Offset")))
                                .arg(e.offset));
            if (r.header("Tus-Resumable") != "1.0.0")
                return fail(QStringLiteral("no Tus-Resumable"));
            if ((r.status == 204 || r.status == 200) && (!r.body.isEmpty() || r.hasHeader("Content-Type")))
                return fail(QStringLiteral("a body or Content-Type on a bodyless response"));
            if (r.status == 201) {
                const QByteArray path = QUrl(QString::fromLatin1(r.header("Location"))).path().toLatin1();
                if (!path.startsWith("/files/"))
                    return fail(QStringLiteral("bad Location ") + QString::fromLatin1(r.header("Location")));
                if (m_ownPending)
                    m_path = path;
                else
                    m_created.append({path, e.created});
                m_ownPending = false;
            }
            ++m_checked;
        }
        if (m_finished)
            return;
        if (m_client.isClosed())
            return fail(QStringLiteral("connection closed by the server"));
        if (!m_expected.isEmpty())
            return;  // the batch is still being answered
        if (!m_client.unparsed().isEmpty())
            return fail(QStringLiteral("bytes after the last response"));
        if (m_batches++ < batchesPerConnection) {
            nextBatch();
        } else {
            m_finished = true;
            emit finished();
        }
    }

    const int m_index;
    QRandomGenerator m_rng;
    PipelinedClient m_client;
    qint64 m_length = 0;
    QByteArray m_data;
    QByteArray m_path;
    qint64 m_offset = 0;  // what the server has once every request sent so far is answered
    bool m_ownPending = false;
    QList<Expected> m_expected;
    QList<CreatedUpload> m_created;
    int m_checked = 0;
    int m_batches = 0;
    bool m_finished = false;
    QString m_failure;
};

// Signals once every connection has finished (or failed).
class TortureRun : public QObject
{
    Q_OBJECT

public:
    void add(std::unique_ptr<TortureConnection> connection)
    {
        connect(connection.get(), &TortureConnection::finished, this, [this] {
            if (++m_finished == int(connections.size()))
                emit done();
        });
        connections.push_back(std::move(connection));
    }
    std::vector<std::unique_ptr<TortureConnection>> connections;

signals:
    void done();

private:
    int m_finished = 0;
};

} // namespace

class tst_IntakeTorture : public QObject
{
    Q_OBJECT

private slots:
    void manyConnectionsRandomMixes_data();
    void manyConnectionsRandomMixes();
};

void tst_IntakeTorture::manyConnectionsRandomMixes_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addRow("seed 1") << 0x7475u;
    QTest::addRow("seed 2") << 0x5eed2u;
    QTest::addRow("seed 3") << 0xc0ffeeu;
}

void tst_IntakeTorture::manyConnectionsRandomMixes()
{
    QFETCH(quint32, seed);
    ServerUnderTest s;
    QVERIFY(s.start());
    QElapsedTimer elapsed;
    elapsed.start();
    TortureRun run;
    QSignalSpy done(&run, &TortureRun::done);
    for (int i = 0; i < connectionCount; ++i)
        run.add(std::make_unique<TortureConnection>(seed * 7919, i, s.port()));
    if (!done.wait(40000)) {
        QStringList stuck;
        for (const auto &c : run.connections) {
            if (!c->isFinished())
                stuck.append(c->progress());
        }
        QFAIL(qPrintable(QStringLiteral("not finished in 40 s: ") + stuck.join(QStringLiteral("; "))));
    }

    int responses = 0;
    int created = 0;
    for (const auto &c : run.connections) {
        QVERIFY2(c->failure().isEmpty(), qPrintable(c->failure()));
        responses += c->responsesChecked();
        created += int(c->created().size()) + 1;
        const QByteArray expected = c->expectedContent();
        QCOMPARE(s.offset(c->path()), qint64(expected.size()));
        QVERIFY2(s.storedBytes(c->path()) == expected, c->path().constData());
        for (const CreatedUpload &u : c->created()) {
            QCOMPARE(s.offset(u.path), qint64(u.content.size()));
            QVERIFY2(s.storedBytes(u.path) == u.content, u.path.constData());
        }
    }
    QCOMPARE(s.server().store().count(), created);
    qInfo("%d connections, %d responses checked, %d uploads verified in %lld ms", connectionCount, responses, created,
          elapsed.elapsed());
}

QTEST_GUILESS_MAIN(tst_IntakeTorture)
#include "tst_intaketorture.moc"
