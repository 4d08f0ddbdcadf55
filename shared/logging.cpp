#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonValue>
#include <QVariant>

#include <atomic>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcHttp, "qtus.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "qtus.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCleanup, "qtus.cleanup", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "qtus.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAccess, "qtus.access", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAdmin, "qtus.admin", QtInfoMsg)

namespace qtus {

namespace {

std::atomic<LogFormat> currentFormat{LogFormat::Text};
std::atomic<bool> toJournal{false};

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return "debug";
    case QtInfoMsg: return "info";
    case QtWarningMsg: return "warning";
    case QtCriticalMsg: return "error";
    case QtFatalMsg: return "fatal";
    }
    return "info";
}

void writeLine(QByteArray line)
{
    line += '\n';
    const char *p = line.constData();
    qsizetype left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, size_t(left));
        if (n <= 0)
            return;  // nowhere to log to; never block or crash the server over it
        p += n;
        left -= n;
    }
}

QByteArray format(QtMsgType type, const char *category, const QString &message, const QJsonObject &fields)
{
    const QString time = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    // In the journal the level becomes the entry's priority (journalctl -p warning); the
    // journal strips the prefix, so the message stays the text or JSON line below.
    const QByteArray journalPrefix = toJournal.load(std::memory_order_relaxed)
        ? '<' + QByteArray::number(syslogPriority(type)) + '>'
        : QByteArray();
    if (currentFormat.load(std::memory_order_relaxed) == LogFormat::Json) {
        QJsonObject o = fields;
        o.insert(QStringLiteral("time"), time);
        o.insert(QStringLiteral("level"), QLatin1String(levelName(type)));
        o.insert(QStringLiteral("category"), QLatin1String(category ? category : "default"));
        o.insert(QStringLiteral("message"), message);
        return journalPrefix + QJsonDocument(o).toJson(QJsonDocument::Compact);
    }
    // The level padded to the longest ("warning"), then always a space: before, a warning ran
    // into its category ("warningqtus.store:").
    QByteArray line = journalPrefix + time.toLatin1() + ' ' + QByteArray(levelName(type)).leftJustified(7, ' ') + ' '
        + (category && qstrcmp(category, "default") != 0 ? QByteArray(category) + ": " : QByteArray())
        + message.toUtf8();
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const QJsonValue v = it.value();
        line += ' ' + it.key().toUtf8() + '='
            + (v.isDouble() ? QByteArray::number(v.toDouble(), 'g', 15) : v.toVariant().toString().toUtf8());
    }
    // One entry, one line: a message with a line break would look like two to a log reader.
    line.replace('\n', "\\n");
    return line;
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    writeLine(format(type, context.category, message, {}));
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

// systemd connects a service's stderr straight to the journal and says so in JOURNAL_STREAM
// ("<device>:<inode>" of that stream). Compared with the descriptor itself, as systemd.exec(5)
// asks: a child that inherited the variable but writes elsewhere (a shell redirect, a pipe)
// must not prefix its lines.
bool isJournalStream(const QByteArray &journalStream, int fd)
{
    const qsizetype colon = journalStream.indexOf(':');
    if (colon <= 0)
        return false;
    bool deviceOk = false;
    bool inodeOk = false;
    const qulonglong device = journalStream.left(colon).toULongLong(&deviceOk);
    const qulonglong inode = journalStream.mid(colon + 1).toULongLong(&inodeOk);
    struct stat st = {};
    return deviceOk && inodeOk && ::fstat(fd, &st) == 0 && qulonglong(st.st_dev) == device
        && qulonglong(st.st_ino) == inode;
}

// sd-daemon.h spells them SD_ERR "<3>", SD_WARNING "<4>", SD_INFO "<6>", SD_DEBUG "<7>".
int syslogPriority(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return LOG_DEBUG;
    case QtInfoMsg: return LOG_INFO;
    case QtWarningMsg: return LOG_WARNING;
    case QtCriticalMsg: return LOG_ERR;
    case QtFatalMsg: return LOG_CRIT;
    }
    return LOG_INFO;
}

void installLogHandler(const LogOptions &options)
{
    currentFormat.store(options.format, std::memory_order_relaxed);
    toJournal.store(isJournalStream(qgetenv("JOURNAL_STREAM"), STDERR_FILENO), std::memory_order_relaxed);
    QString rules;
    switch (options.level) {
    case LogLevel::Debug: rules = QStringLiteral("qtus.*.debug=true"); break;
    case LogLevel::Info: break;
    case LogLevel::Warning: rules = QStringLiteral("qtus.*.info=false"); break;
    case LogLevel::Error: rules = QStringLiteral("qtus.*.info=false\nqtus.*.warning=false\n*.warning=false"); break;
    }
    if (!rules.isEmpty())
        QLoggingCategory::setFilterRules(rules);
    qInstallMessageHandler(handler);
}

void logRecord(const QLoggingCategory &category, QtMsgType type, const QString &message, const QJsonObject &fields)
{
    if (!category.isEnabled(type))
        return;
    writeLine(format(type, category.categoryName(), message, fields));
}

} // namespace qtus
