#pragma once
// Byte sizes and durations as written on the command line ("512M", "90s", "24h", "7d").
#include <QString>
#include <chrono>
#include <optional>

namespace qtus {

using Duration = std::chrono::milliseconds;

// Digits with an optional binary suffix K, M, G or T (optionally followed by "B" or "iB").
// Returns nullopt for anything else, including negative values and overflow past 2^63-1.
std::optional<qint64> parseByteSize(QStringView text);

// Digits with a unit ms, s, m, h or d; a bare number means seconds. "0" is zero.
std::optional<Duration> parseDuration(QStringView text);

QString formatDuration(Duration d);  // "1d 2h", "10m", "90s", "0s"
QString formatBytes(qint64 bytes);   // "412.0 MiB"

} // namespace qtus
