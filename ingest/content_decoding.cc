#include "ingest/content_decoding.h"

#include <brotli/decode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>

namespace crawlproof::ingest {
namespace {

Status TooLarge(std::string_view coding, uint64_t max_output) {
  return Status::ResourceExhausted(std::string(coding) + " body decodes to more than " + std::to_string(max_output) +
                                   " bytes");
}

// zlib inflate with `window_bits` (16+: gzip, 32+: auto gzip/zlib, negative: raw).
// Concatenated gzip members are decoded one after another.
Result<std::string> Inflate(std::string_view data, int window_bits, uint64_t max_output, std::string_view coding) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int ret = Z_OK;
  char buf[1 << 16];
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    ret = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_output) {
      inflateEnd(&z);
      return TooLarge(coding, max_output);
    }
    if (ret == Z_STREAM_END) {
      if (z.avail_in > 0 && window_bits > 0 && z.next_in[0] == 0x1f) {
        inflateReset(&z);
        continue;
      }
      break;
    }
    if (ret != Z_OK) break;
    if (z.avail_in == 0 && z.avail_out != 0) break;
  }
  std::string msg = z.msg ? z.msg : "";
  inflateEnd(&z);
  if (ret == Z_STREAM_END) return out;
  if (ret == Z_OK || ret == Z_BUF_ERROR)
    return Status::Corruption(std::string(coding) + " body truncated after " + std::to_string(out.size()) +
                              " decoded bytes");
  return Status::Corruption(std::string(coding) + " body is corrupt: " + (msg.empty() ? "inflate error" : msg));
}

// A single gzip member whose trailer states its size (the usual body): one
// libdeflate call, several times faster than zlib's stream. Anything else
// (several members, a wrong or missing size, damage) returns nullopt and
// goes the zlib way, which also words the errors.
std::optional<std::string> GunzipWhole(std::string_view data, uint64_t max_output) {
  if (data.size() < 18 || static_cast<unsigned char>(data[0]) != 0x1f || static_cast<unsigned char>(data[1]) != 0x8b)
    return std::nullopt;
  const auto* t = reinterpret_cast<const unsigned char*>(data.data() + data.size() - 4);
  const uint64_t size = t[0] | uint64_t{t[1]} << 8 | uint64_t{t[2]} << 16 | uint64_t{t[3]} << 24;
  if (size > max_output || size > (uint64_t{1} << 30)) return std::nullopt;
  thread_local std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!d) return std::nullopt;
  std::string out(size, '\0');
  size_t in_used = 0, out_used = 0;
  if (libdeflate_gzip_decompress_ex(d.get(), data.data(), data.size(), out.data(), out.size(), &in_used, &out_used) !=
          LIBDEFLATE_SUCCESS ||
      in_used != data.size() || out_used != size)
    return std::nullopt;
  return out;
}

Result<std::string> Brotli(std::string_view data, uint64_t max_output) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!s) return Status::Internal("BrotliDecoderCreateInstance failed");
  std::string out;
  size_t avail_in = data.size();
  const auto* next_in = reinterpret_cast<const uint8_t*>(data.data());
  BrotliDecoderResult r;
  do {
    uint8_t buf[1 << 16];
    size_t avail_out = sizeof buf;
    uint8_t* next_out = buf;
    r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
    if (out.size() > max_output) {
      BrotliDecoderDestroyInstance(s);
      return TooLarge("br", max_output);
    }
  } while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT);
  BrotliDecoderDestroyInstance(s);
  if (r == BROTLI_DECODER_RESULT_SUCCESS) return out;
  if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
    return Status::Corruption("br body truncated after " + std::to_string(out.size()) + " decoded bytes");
  return Status::Corruption("br body is corrupt");
}

Result<std::string> Zstd(std::string_view data, uint64_t max_output) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  std::string out;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t r = 0;
  while (in.pos < in.size) {
    char buf[1 << 16];
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    r = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(r)) {
      ZSTD_freeDCtx(d);
      return Status::Corruption(std::string("zstd body is corrupt: ") + ZSTD_getErrorName(r));
    }
    out.append(buf, o.pos);
    if (out.size() > max_output) {
      ZSTD_freeDCtx(d);
      return TooLarge("zstd", max_output);
    }
    if (o.pos == 0 && in.pos == in.size) break;
  }
  // Flush what remains buffered in the context.
  while (r != 0) {
    char buf[1 << 16];
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    r = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(r) || o.pos == 0) break;
    out.append(buf, o.pos);
    if (out.size() > max_output) {
      ZSTD_freeDCtx(d);
      return TooLarge("zstd", max_output);
    }
  }
  ZSTD_freeDCtx(d);
  if (r != 0) return Status::Corruption("zstd body truncated after " + std::to_string(out.size()) + " decoded bytes");
  return out;
}

}  // namespace

Result<std::string> Dechunk(std::string_view body, uint64_t max_output) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos)
      return Status::Corruption("chunked body: no chunk-size line at body offset " + std::to_string(pos));
    std::string_view line = body.substr(pos, nl - pos);
    size_t semi = line.find(';');
    if (semi != std::string_view::npos) line = line.substr(0, semi);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    uint64_t size = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (line.empty() || ec != std::errc() || p != line.data() + line.size())
      return Status::Corruption("chunked body: bad chunk size '" + std::string(line.substr(0, 32)) +
                                "' at body offset " + std::to_string(pos));
    pos = nl + 1;
    if (size == 0) return out;  // trailers, if any, are ignored
    if (size > body.size() - pos)
      return Status::Corruption("chunked body: chunk of " + std::to_string(size) + " bytes at body offset " +
                                std::to_string(pos) + " runs past the end");
    if (out.size() + size > max_output) return TooLarge("chunked", max_output);
    out.append(body.substr(pos, size));
    pos += size;
    if (body.substr(pos, 2) == "\r\n")
      pos += 2;
    else if (body.substr(pos, 1) == "\n")
      pos += 1;
    if (pos >= body.size()) return out;  // final zero chunk missing: tolerated
  }
}

Result<std::string> DecodeContentCoding(std::string_view coding, std::string_view data, uint64_t max_output) {
  std::string c(coding);
  std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (c == "identity" || c.empty()) return std::string(data);
  if (c == "gzip" || c == "x-gzip") {
    if (auto whole = GunzipWhole(data, max_output)) return std::move(*whole);
    return Inflate(data, 16 + MAX_WBITS, max_output, "gzip");
  }
  if (c == "deflate") {
    // RFC 9110 says zlib-wrapped; many servers send raw deflate.
    auto r = Inflate(data, MAX_WBITS, max_output, "deflate");
    if (r.ok() || r.status().code() == StatusCode::kResourceExhausted) return r;
    return Inflate(data, -MAX_WBITS, max_output, "deflate");
  }
  if (c == "br") return Brotli(data, max_output);
  if (c == "zstd") return Zstd(data, max_output);
  return Status::Unimplemented("unsupported content coding '" + c + "'");
}

}  // namespace crawlproof::ingest
