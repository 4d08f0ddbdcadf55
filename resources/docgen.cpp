// qtus-docgen OUTDIR: writes qtusd.1, qtus-admin.1 and qtusd.conf, made from the option table
// (shared/optiontable.h), into OUTDIR. Run by the build (the qtus_docs target); not installed.
#include "optiondocs.h"
#include "optiontable.h"

#include <QDir>
#include <QSaveFile>

#include <cstdio>

int main(int argc, char *argv[])
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: qtus-docgen OUTDIR\n");
        return 2;
    }
    const QDir out(QString::fromLocal8Bit(argv[1]));
    if (!out.mkpath(QStringLiteral("."))) {
        std::fprintf(stderr, "qtus-docgen: cannot create %s\n", argv[1]);
        return 1;
    }
    // The package's qtusd.conf keeps its uploads where the systemd unit's StateDirectory is.
    const QHash<QString, QString> packaged{{QStringLiteral("dir"), QStringLiteral("/var/lib/qtus/uploads")}};
    const struct { const char *name; QString text; } files[] = {
        {"qtusd.1", qtus::manPage(qtus::ForQtusd)},
        {"qtus-admin.1", qtus::manPage(qtus::ForQtusAdmin)},
        {"qtusd.conf", qtus::sampleConfig(packaged)},
    };
    for (const auto &file : files) {
        QSaveFile save(out.filePath(QLatin1String(file.name)));
        if (!save.open(QIODevice::WriteOnly) || save.write(file.text.toUtf8()) < 0 || !save.commit()) {
            std::fprintf(stderr, "qtus-docgen: %s: %s\n", qPrintable(save.fileName()), qPrintable(save.errorString()));
            return 1;
        }
    }
    return 0;
}
