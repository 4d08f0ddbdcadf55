#pragma once
// What an upload id is, defined once: 128 random bits written as 32 lowercase hexadecimal
// characters. Every layer checks ids with isValidUploadId() before it uses one (a URL, a
// .info file, a file name in the upload directory, a hook's answer), so nothing else ever
// reaches a path. Pure functions; any thread.
#include <QString>

namespace qtus {

constexpr int uploadIdLength = 32;

bool isValidUploadId(QStringView id);
bool isValidUploadId(QByteArrayView id);
QString newUploadId();  // from the system's random source

} // namespace qtus
