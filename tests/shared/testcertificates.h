#pragma once
// Certificates made for a test by Debian's openssl command, in a temporary directory: a root
// CA, an intermediate CA and a server certificate for 127.0.0.1/localhost signed by it (the
// chain file holds server + intermediate, as a real deployment's does), plus the bad inputs a
// careless operator could give qtusd: a key of another certificate, an expired certificate,
// a key protected by a passphrase, a file that is not PEM.
// Threads: the test's thread.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QTemporaryDir>

class TestCertificates
{
public:
    // Runs openssl; false (with the reason in *error) when any step fails.
    bool make(QString *error)
    {
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        writeFile(QStringLiteral("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        writeFile(QStringLiteral("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        writeFile(QStringLiteral("notpem.pem"), "this is not a certificate\n");
        const QStringList ec = {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                                QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
        const QList<QStringList> steps = {
            QStringList{"req", "-x509"} + ec + QStringList{"-keyout", "root.key", "-out", "root.pem", "-days", "2", "-subj", "/CN=qtus test root",
                                                           "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
            QStringList{"req"} + ec + QStringList{"-keyout", "inter.key", "-out", "inter.csr", "-subj", "/CN=qtus test intermediate"},
            {"x509", "-req", "-in", "inter.csr", "-CA", "root.pem", "-CAkey", "root.key", "-set_serial", "2", "-days", "2", "-extfile", "ca.ext", "-out", "inter.pem"},
            QStringList{"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"},
            {"x509", "-req", "-in", "server.csr", "-CA", "inter.pem", "-CAkey", "inter.key", "-set_serial", "3", "-days", "2", "-extfile", "server.ext", "-out", "server.pem"},
            QStringList{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "other.key"},
            // notAfter a day before now
            {"x509", "-in", "server.pem", "-signkey", "server.key", "-days", "-1", "-out", "expired.pem"},
            {"pkey", "-in", "server.key", "-aes256", "-passout", "pass:secret", "-out", "locked.key"},
        };
        for (const QStringList &arguments : steps) {
            QProcess openssl;
            openssl.setWorkingDirectory(m_dir.path());
            openssl.start(QStringLiteral("openssl"), arguments);
            if (!openssl.waitForFinished(60000) || openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0)
                return fail(error, QStringLiteral("openssl %1: %2").arg(arguments.join(QLatin1Char(' ')),
                                                                          QString::fromLocal8Bit(openssl.readAllStandardError())));
        }
        writeFile(QStringLiteral("chain.pem"), readFile(QStringLiteral("server.pem")) + readFile(QStringLiteral("inter.pem")));
        return true;
    }

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString chain() const { return path(QStringLiteral("chain.pem")); }      // server + intermediate
    QString key() const { return path(QStringLiteral("server.key")); }       // RSA, of chain's first
    QString root() const { return path(QStringLiteral("root.pem")); }        // what clients trust
    QList<QSslCertificate> trusted() const { return QSslCertificate::fromPath(root()); }

private:
    static bool fail(QString *error, const QString &why)
    {
        *error = why;
        return false;
    }
    void writeFile(const QString &name, const QByteArray &bytes)
    {
        QFile f(path(name));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(bytes);
    }
    QByteArray readFile(const QString &name) const
    {
        QFile f(path(name));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    QTemporaryDir m_dir;
};
