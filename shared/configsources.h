#pragma once
// Where option values come from: the command line, QTUSD_* environment variables and a config
// file of `key = value` lines, each read against the option table (optiontable.h), and merged
// with the command line over the environment over the file. Only text is gathered here; the
// option table's apply functions check the values.
// Threads: pure functions of their arguments (readConfigFile reads the file); any thread.
#include "optiontable.h"

#include <QProcessEnvironment>
#include <QStringList>
#include <map>

namespace qtus {

// The largest config file read; a larger one is refused rather than read in part.
inline constexpr qint64 maxConfigFileSize = 1024 * 1024;

struct OptionValue
{
    QStringList values;  // one, or more for a repeatable (list) option; a flag's is "true"/"false"
    QString origin;      // where it was set, as errors name it: "--max-size", "QTUSD_MAX_SIZE", "qtusd.conf:12: max-size"
};

struct OptionValues
{
    std::map<QString, OptionValue> byName;  // by long option name
    QString error;                          // one line; the others are empty when set
    bool has(const char *name) const { return byName.count(QLatin1String(name)) != 0; }
};

// argv as QCoreApplication::arguments() has it (the program name first). An unknown option
// ends in "Try --help."; a single-valued option given twice is an error.
OptionValues readCommandLine(const QStringList &arguments, unsigned program);

// Every variable named QTUSD_*; one that names no option (or one the environment cannot
// set, such as QTUSD_HELP) is an error naming it.
OptionValues readEnvironment(const QProcessEnvironment &environment, unsigned program);

// A config file: `key = value` lines, `#` comments and blank lines. Errors name the file and
// the line: "qtusd.conf:12: unknown option 'bogus'".
OptionValues readConfigFile(const QString &path, unsigned program);

// Each option from the first source that sets it: command line, then environment, then file.
OptionValues mergeSources(const OptionValues &commandLine, const OptionValues &environment, const OptionValues &file);

} // namespace qtus
