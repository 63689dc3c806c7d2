// A capture file read by libwiretap, Wireshark's file layer
// (CaptureFile.cpp): every format tshark reads, compressed or not, "-" for
// stdin. CaptureSource::open_file() decides which files it reads.
#pragma once

#include <memory>
#include <string>

#include "CaptureSource.h"

namespace middlebox_scan {

// Null on error, with `error` saying why.
std::unique_ptr<CaptureSource> open_wiretap(const std::string& path, std::string* error);

}  // namespace middlebox_scan
