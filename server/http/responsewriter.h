#pragma once
// A TusResponse as bytes on the wire, exactly as the handler built it: a status line with
// its reason (also 460 Checksum Mismatch), no body and no Content-Length on HEAD and 204, no
// stray Content-Type, and otherwise a Content-Length that is exactly the body that follows
// (for a file body, the bytes the intake streams after it). Pure; any thread.
#include "tusmessage.h"

namespace qtus {

// headRequest: the request on the wire was HEAD, so no body and no Content-Length.
QByteArray serializeResponse(const TusResponse &response, bool headRequest);

} // namespace qtus
