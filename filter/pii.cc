// PII replacement as the FineWeb recipe does it: e-mail addresses, then IPv4
// addresses that are globally routable, each replaced by the next string of a
// fixed list (cycling, across documents in input order).
#include <array>
#include <cstdlib>

#include "common/regex.h"
#include "filter/filters.h"

namespace crawlproof::filter {
namespace {

// The recipe's e-mail pattern (RFC 5322-like local part, dot-separated
// domain labels or a bracketed IPv4 literal), matched with Unicode \b.
constexpr const char* kEmailPattern =
    R"(\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)]))";
constexpr const char* kIpPattern =
    R"((?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))";

// Python's ipaddress: a valid address (no leading zeros) that is_global (3.11).
bool IsPublicIpv4(std::string_view s, bool public_only) {
  std::array<unsigned, 4> o{};
  size_t part = 0, digits = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (digits == 0 || part > 3) return false;
      ++part;
      digits = 0;
      continue;
    }
    if (digits > 0 && o[part] == 0) return false;  // leading zero
    o[part] = o[part] * 10 + static_cast<unsigned>(s[i] - '0');
    ++digits;
  }
  if (part != 4) return false;
  if (!public_only) return true;
  uint32_t a = o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3];
  auto in = [a](uint32_t net, int bits) { return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits)); };
  constexpr struct {
    uint32_t net;
    int bits;
  } kNotGlobal[] = {{0x00000000, 8},  {0x0A000000, 8},  {0x7F000000, 8},  {0xA9FE0000, 16}, {0xAC100000, 12},
                    {0xC0000000, 29}, {0xC00000AA, 31}, {0xC0000200, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
                    {0xC6336400, 24}, {0xCB007100, 24}, {0xF0000000, 4},  {0xFFFFFFFF, 32}, {0x64400000, 10}};
  for (const auto& n : kNotGlobal) {
    if (in(n.net, n.bits)) return false;
  }
  return true;
}

class PiiFilter : public Filter {
 public:
  PiiFilter(PiiOptions o, std::unique_ptr<Regex> email, std::unique_ptr<Regex> ip)
      : o_(std::move(o)), email_(std::move(email)), ip_(std::move(ip)) {}
  std::string_view name() const override { return "pii"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    if (o_.emails) {
      size_t n = Replace(*email_, &doc->text, o_.email_replacements, &email_next_, nullptr);
      if (n) {
        d->changes["pii:email"] += n;
        doc->TextChanged();
      }
    }
    if (o_.ips) {
      bool public_only = o_.only_public_ips;
      size_t n = Replace(*ip_, &doc->text, o_.ip_replacements, &ip_next_,
                         [public_only](std::string_view m) { return IsPublicIpv4(m, public_only); });
      if (n) {
        d->changes["pii:ip"] += n;
        doc->TextChanged();
      }
    }
  }

 private:
  template <typename Validator>
  static size_t Replace(const Regex& re, std::string* text, const std::vector<std::string>& with, size_t* next,
                        Validator valid) {
    size_t from = 0, b = 0, e = 0, replaced = 0;
    std::string out;
    size_t copied = 0;
    while (from <= text->size() && re.Find(*text, from, &b, &e)) {
      if (e == b) {  // empty match: cannot happen with these patterns; step on
        from = e + 1;
        continue;
      }
      std::string_view m(text->data() + b, e - b);
      if constexpr (!std::is_same_v<Validator, std::nullptr_t>) {
        if (!valid(m)) {
          from = e;
          continue;
        }
      }
      out.append(*text, copied, b - copied);
      out += with[*next];
      *next = (*next + 1) % with.size();
      copied = e;
      from = e;
      ++replaced;
    }
    if (replaced) {
      out.append(*text, copied, std::string::npos);
      *text = std::move(out);
    }
    return replaced;
  }

  PiiOptions o_;
  std::unique_ptr<Regex> email_, ip_;
  size_t email_next_ = 0, ip_next_ = 0;
};

}  // namespace

Result<std::unique_ptr<Filter>> MakePiiFilter(PiiOptions o) {
  if (o.email_replacements.empty() || o.ip_replacements.empty())
    return Status::InvalidArgument("pii: replacement lists must not be empty");
  ASSIGN_OR_RETURN(std::unique_ptr<Regex> email, Regex::Compile(kEmailPattern));
  ASSIGN_OR_RETURN(std::unique_ptr<Regex> ip, Regex::Compile(kIpPattern));
  return std::unique_ptr<Filter>(std::make_unique<PiiFilter>(std::move(o), std::move(email), std::move(ip)));
}

}  // namespace crawlproof::filter
