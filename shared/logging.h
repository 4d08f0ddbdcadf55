#pragma once
// Logging: the categories (each part can be switched on and off, e.g.
// QT_LOGGING_RULES="qtus.http.debug=true"), and the one handler every line goes through
// once installLogHandler() ran: a timestamp and a level on every line, as text or as one
// JSON object per line (--log-format), at the level --log-level sets. qtus.access carries
// one line per request (--access-log). When stderr is the journal (systemd's JOURNAL_STREAM
// names it), each line starts with its level's syslog priority, "<3>" to "<7>".
//
// Threads: any; a line is written with one write() to stderr, so lines from different
// threads never interleave.
#include <QJsonObject>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcCleanup)
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcAccess)
Q_DECLARE_LOGGING_CATEGORY(lcAdmin)

namespace qtus {

enum class LogFormat { Text, Json };
enum class LogLevel { Error, Warning, Info, Debug };

struct LogOptions
{
    LogFormat format = LogFormat::Text;
    LogLevel level = LogLevel::Info;
};

// Routes Qt's messages through the formatter and sets the qtus.* categories' levels.
// QT_LOGGING_RULES, when set, still has the last word. Looks at JOURNAL_STREAM and stderr
// once, here.
void installLogHandler(const LogOptions &options);

// One line with fields: in JSON they are members of the object, in text key=value pairs
// after the message. Used for the access log.
void logRecord(const QLoggingCategory &category, QtMsgType type, const QString &message, const QJsonObject &fields);

// The journal's side (pure, for tests): whether JOURNAL_STREAM's "<device>:<inode>" names
// the stream open on fd, and the syslog priority a level's line carries there as "<N>"
// (debug 7, info 6, warning 4, critical 3, fatal 2).
bool isJournalStream(const QByteArray &journalStream, int fd);
int syslogPriority(QtMsgType type);

} // namespace qtus
