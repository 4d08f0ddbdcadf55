#pragma once
// Byte sizes and durations as written on the command line ("512M", "90s", "1h30m", "7d"). Pure functions: any thread..
#include <QString>
#include <chrono>
#include <optional>

namespace qtus {

using Duration = std::chrono::milliseconds;

// Digits with an optional binary suffix K, M, G or T (optionally followed by "B" or "iB").
// Returns nullopt for anything else, including negative values and overflow past 2^63-1.
std::optional<qint64> parseByteSize(QStringView text);

// Numbers with units d, h, m, s or ms, largest first, each unit once, optionally separated
// by spaces: "90s", "1h30m", "2d 12h", "500ms". A bare number is refused ("needs a unit,
// e.g. 5s") except "0", which is zero in every unit. Units are ASCII, case-insensitive.
// On failure, *why (if given) says what is wrong in a few words.
std::optional<Duration> parseDuration(QStringView text, QString *why = nullptr);

QString formatDuration(Duration d);  // "1d 2h", "10m", "90s", "0s"
QString formatBytes(qint64 bytes);   // "412.0 MiB"

} // namespace qtus
