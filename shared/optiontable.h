#pragma once
// The one table of qtusd's and qtus-admin's options. It drives the command-line parser, the
// config file and QTUSD_* variables (configsources.h), --help, the man pages and the sample
// config (optiondocs.h): an option added here appears in all of them.
// Threads: the table is constant data and every function here is pure; any thread may call.
#include <QString>
#include <cstddef>
#include <optional>

namespace qtus {

struct ServerConfig;

enum class OptionKind {
    Flag,      // no value on the command line; true/false/yes/no/on/off/1/0 in a file or variable
    Text,      // one value: a path, an address, a URL, a number or one of some words
    Size,      // bytes with K/M/G/T suffixes
    Duration,  // 90s, 1h30m, 7d, 500ms; a bare number other than 0 is refused
    List,      // comma-separated; the option may be repeated and the values add up
};

enum OptionProgram : unsigned { ForQtusd = 1, ForQtusAdmin = 2, ForBoth = ForQtusd | ForQtusAdmin };
enum OptionSource : unsigned {
    FromCommandLine = 1,
    FromEnvironment = 2,
    FromFile = 4,
    FromAnywhere = FromCommandLine | FromEnvironment | FromFile,
};

struct OptionSpec
{
    const char *name;        // the long option, the config file's key, QTUSD_<NAME> in the environment
    char shortName;          // 0: none
    const char *valueName;   // what --help shows after the name; nullptr for a flag
    const char *help;        // one paragraph, without the default
    OptionKind kind;
    const char *defaultText; // the default as a value the option accepts; nullptr: unset
    unsigned programs;       // OptionProgram bits
    unsigned sources;        // OptionSource bits
    // Checks one value (a List's repeated values joined with commas; a Flag's value is
    // "true" or "false") and stores it in the config. Returns why it is refused, empty when
    // accepted. nullptr: not a server setting, the program acts on it (--help, --config, ...).
    QString (*apply)(ServerConfig &config, const QString &value);

    bool isFlag() const { return kind == OptionKind::Flag; }
    bool repeatable() const { return kind == OptionKind::List; }
    QString longName() const { return QLatin1String(name); }
};

struct OptionTable
{
    const OptionSpec *first;
    std::size_t count;
    const OptionSpec *begin() const { return first; }
    const OptionSpec *end() const { return first + count; }
};

// Every option, in the order --help lists them.
OptionTable optionTable();

// The option called `name` (without dashes) that `program` (an OptionProgram) has; nullptr if none.
const OptionSpec *findOption(QStringView name, unsigned program);

// QTUSD_MAX_SIZE for max-size.
QString environmentName(const OptionSpec &spec);
inline constexpr char environmentPrefix[] = "QTUSD_";

// A flag's value in a file or a variable: true/false, yes/no, on/off, 1/0 (any case);
// nullopt for anything else.
std::optional<bool> parseFlagWord(QStringView text);

} // namespace qtus
