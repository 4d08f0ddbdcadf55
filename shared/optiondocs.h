#pragma once
// What the option table (optiontable.h) says to people: --help, the man pages qtusd(1) and
// qtus-admin(1), and the sample qtusd.conf. Built at build time by resources/docgen.cpp.
// Threads: pure functions of the constant table; any thread.
#include <QHash>
#include <QString>

namespace qtus {

// --help of `program` (an OptionProgram bit), programName being how it is called.
QString helpText(unsigned program, const QString &programName);

// The man page of qtusd (ForQtusd) or qtus-admin (ForQtusAdmin), in roff (man(7)).
QString manPage(unsigned program);

// The sample config file: every option a file may set, commented out, with its help and
// default; an option in `setValues` (by name) is set to that value, uncommented.
QString sampleConfig(const QHash<QString, QString> &setValues);

} // namespace qtus
