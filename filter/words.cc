#include "filter/words.h"

#include <algorithm>
#include <array>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "common/regex.h"
#include "common/unicode.h"

namespace crawlproof::filter {
namespace {

constexpr std::u32string_view kPunct = U"…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪";
constexpr std::u32string_view kQuotes = U"'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧";
constexpr std::u32string_view kCurrency =
    U"$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿";
constexpr std::u32string_view kPrefixOnly = U"§%=—–+";

bool Has(std::u32string_view set, char32_t c) {
  return set.find(c) != std::u32string_view::npos;
}

bool IsDigit(char32_t c) {
  return c >= '0' && c <= '9';
}

// Units spaCy splits off after a number ("10km", "5kg", "3%").
constexpr std::u32string_view kUnits[] = {
    U"km²",  U"km³", U"km",  U"m²",  U"m³", U"dm²",  U"dm³", U"dm", U"cm²", U"cm³", U"cm", U"mm²", U"mm³", U"mm",
    U"ha",   U"µm",  U"nm",  U"yd",  U"in", U"ft",   U"kg",  U"g",  U"mg",  U"µg",  U"t",  U"lb",  U"oz",  U"m/s",
    U"km/h", U"kmh", U"mph", U"hPa", U"Pa", U"mbar", U"mb",  U"MB", U"kb",  U"KB",  U"gb", U"GB",  U"tb",  U"TB",
    U"T",    U"G",   U"M",   U"K",   U"%",  U"m",    U"км",  U"м",  U"см",  U"мм",  U"кг", U"г",   U"мг"};

struct Contraction {
  std::u32string_view form;
  uint8_t pieces[3];
};
// spaCy 3.8.18's English tokenizer exceptions written without an apostrophe
// ("dont" -> "do" "nt"; also Title case) and the times ("10am"): form, piece lengths.
constexpr Contraction kContractions[] = {
    {U"10a.m.", {2, 4}},       {U"10am", {2, 2}},        {U"10p.m.", {2, 4}},        {U"10pm", {2, 2}},
    {U"11a.m.", {2, 4}},       {U"11am", {2, 2}},        {U"11p.m.", {2, 4}},        {U"11pm", {2, 2}},
    {U"12a.m.", {2, 4}},       {U"12am", {2, 2}},        {U"12p.m.", {2, 4}},        {U"12pm", {2, 2}},
    {U"1a.m.", {1, 4}},        {U"1am", {1, 2}},         {U"1p.m.", {1, 4}},         {U"1pm", {1, 2}},
    {U"2a.m.", {1, 4}},        {U"2am", {1, 2}},         {U"2p.m.", {1, 4}},         {U"2pm", {1, 2}},
    {U"3a.m.", {1, 4}},        {U"3am", {1, 2}},         {U"3p.m.", {1, 4}},         {U"3pm", {1, 2}},
    {U"4a.m.", {1, 4}},        {U"4am", {1, 2}},         {U"4p.m.", {1, 4}},         {U"4pm", {1, 2}},
    {U"5a.m.", {1, 4}},        {U"5am", {1, 2}},         {U"5p.m.", {1, 4}},         {U"5pm", {1, 2}},
    {U"6a.m.", {1, 4}},        {U"6am", {1, 2}},         {U"6p.m.", {1, 4}},         {U"6pm", {1, 2}},
    {U"7a.m.", {1, 4}},        {U"7am", {1, 2}},         {U"7p.m.", {1, 4}},         {U"7pm", {1, 2}},
    {U"8a.m.", {1, 4}},        {U"8am", {1, 2}},         {U"8p.m.", {1, 4}},         {U"8pm", {1, 2}},
    {U"9a.m.", {1, 4}},        {U"9am", {1, 2}},         {U"9p.m.", {1, 4}},         {U"9pm", {1, 2}},
    {U"aint", {2, 2}},         {U"arent", {3, 2}},       {U"cannot", {3, 3}},        {U"cant", {2, 2}},
    {U"cantve", {2, 2, 2}},    {U"couldnt", {5, 2}},     {U"couldntve", {5, 2, 2}},  {U"couldve", {5, 2}},
    {U"darent", {4, 2}},       {U"didnt", {3, 2}},       {U"didntve", {3, 2, 2}},    {U"doesnt", {4, 2}},
    {U"doesntve", {4, 2, 2}},  {U"dont", {2, 2}},        {U"dontve", {2, 2, 2}},     {U"gonna", {3, 2}},
    {U"gotta", {3, 2}},        {U"hadnt", {3, 2}},       {U"hadntve", {3, 2, 2}},    {U"hasnt", {3, 2}},
    {U"havent", {4, 2}},       {U"hed", {2, 1}},         {U"hedve", {2, 1, 2}},      {U"hellve", {2, 2, 2}},
    {U"hes", {2, 1}},          {U"howd", {3, 1}},        {U"howdve", {3, 1, 2}},     {U"howll", {3, 2}},
    {U"howllve", {3, 2, 2}},   {U"howre", {3, 2}},       {U"hows", {3, 1}},          {U"howve", {3, 2}},
    {U"id", {1, 1}},           {U"idve", {1, 1, 2}},     {U"illve", {1, 2, 2}},      {U"im", {1, 1}},
    {U"ima", {1, 1, 1}},       {U"isnt", {2, 2}},        {U"itd", {2, 1}},           {U"itdve", {2, 1, 2}},
    {U"itll", {2, 2}},         {U"itllve", {2, 2, 2}},   {U"ive", {1, 2}},           {U"maynt", {3, 2}},
    {U"mayntve", {3, 2, 2}},   {U"mightnt", {5, 2}},     {U"mightntve", {5, 2, 2}},  {U"mightve", {5, 2}},
    {U"mustnt", {4, 2}},       {U"mustntve", {4, 2, 2}}, {U"mustve", {4, 2}},        {U"neednt", {4, 2}},
    {U"needntve", {4, 2, 2}},  {U"notve", {3, 2}},       {U"oughtnt", {5, 2}},       {U"oughtntve", {5, 2, 2}},
    {U"shant", {3, 2}},        {U"shantve", {3, 2, 2}},  {U"shedve", {3, 1, 2}},     {U"shellve", {3, 2, 2}},
    {U"shes", {3, 1}},         {U"shouldnt", {6, 2}},    {U"shouldntve", {6, 2, 2}}, {U"shouldve", {6, 2}},
    {U"thatd", {4, 1}},        {U"thatdve", {4, 1, 2}},  {U"thatll", {4, 2}},        {U"thatllve", {4, 2, 2}},
    {U"thats", {4, 1}},        {U"thered", {5, 1}},      {U"theredve", {5, 1, 2}},   {U"therell", {5, 2}},
    {U"therellve", {5, 2, 2}}, {U"therere", {5, 2}},     {U"theres", {5, 1}},        {U"thereve", {5, 2}},
    {U"thesed", {5, 1}},       {U"thesedve", {5, 1, 2}}, {U"thesell", {5, 2}},       {U"thesellve", {5, 2, 2}},
    {U"thesere", {5, 2}},      {U"theseve", {5, 2}},     {U"theyd", {4, 1}},         {U"theydve", {4, 1, 2}},
    {U"theyll", {4, 2}},       {U"theyllve", {4, 2, 2}}, {U"theyre", {4, 2}},        {U"theyve", {4, 2}},
    {U"thisd", {4, 1}},        {U"thisdve", {4, 1, 2}},  {U"thisll", {4, 2}},        {U"thisllve", {4, 2, 2}},
    {U"thiss", {4, 1}},        {U"thosed", {5, 1}},      {U"thosedve", {5, 1, 2}},   {U"thosell", {5, 2}},
    {U"thosellve", {5, 2, 2}}, {U"thosere", {5, 2}},     {U"thoseve", {5, 2}},       {U"wasnt", {3, 2}},
    {U"wed", {2, 1}},          {U"wedve", {2, 1, 2}},    {U"wellve", {2, 2, 2}},     {U"werent", {4, 2}},
    {U"weve", {2, 2}},         {U"whatd", {4, 1}},       {U"whatdve", {4, 1, 2}},    {U"whatll", {4, 2}},
    {U"whatllve", {4, 2, 2}},  {U"whatre", {4, 2}},      {U"whats", {4, 1}},         {U"whatve", {4, 2}},
    {U"whend", {4, 1}},        {U"whendve", {4, 1, 2}},  {U"whenll", {4, 2}},        {U"whenllve", {4, 2, 2}},
    {U"whenre", {4, 2}},       {U"whens", {4, 1}},       {U"whenve", {4, 2}},        {U"whered", {5, 1}},
    {U"wheredve", {5, 1, 2}},  {U"wherell", {5, 2}},     {U"wherellve", {5, 2, 2}},  {U"wherere", {5, 2}},
    {U"wheres", {5, 1}},       {U"whereve", {5, 2}},     {U"whod", {3, 1}},          {U"whodve", {3, 1, 2}},
    {U"wholl", {3, 2}},        {U"whollve", {3, 2, 2}},  {U"whos", {3, 1}},          {U"whove", {3, 2}},
    {U"whyd", {3, 1}},         {U"whydve", {3, 1, 2}},   {U"whyll", {3, 2}},         {U"whyllve", {3, 2, 2}},
    {U"whyre", {3, 2}},        {U"whys", {3, 1}},        {U"whyve", {3, 2}},         {U"wont", {2, 2}},
    {U"wontve", {2, 2, 2}},    {U"wouldnt", {5, 2}},     {U"wouldntve", {5, 2, 2}},  {U"wouldve", {5, 2}},
    {U"yall", {1, 3}},         {U"youd", {3, 1}},        {U"youdve", {3, 1, 2}},     {U"youll", {3, 2}},
    {U"youllve", {3, 2, 2}},   {U"youre", {3, 2}},       {U"youve", {3, 2}},         {U"°c.", {1, 1, 1}},
    {U"°f.", {1, 1, 1}},       {U"°k.", {1, 1, 1}},      {U"°C.", {1, 1, 1}},        {U"°F.", {1, 1, 1}},
    {U"°K.", {1, 1, 1}},
};

// Splits `s` into its pieces when it is one of kContractions (or, for a word,
// its Title-case form: "Dont").
bool SplitContraction(std::u32string_view s, std::vector<std::u32string_view>* out) {
  static const auto* forms = [] {
    auto* m = new std::unordered_map<std::u32string, const Contraction*>;
    for (const auto& c : kContractions) {
      (*m)[std::u32string(c.form)] = &c;
      std::u32string title(c.form);
      if (title[0] >= 'a' && title[0] <= 'z' && c.form != U"yall") {
        title[0] -= 32;
        (*m)[title] = &c;
      }
    }
    return m;
  }();
  if (s.size() < 2 || s.size() > 10) return false;
  auto it = forms->find(std::u32string(s));
  if (it == forms->end()) return false;
  size_t at = 0;
  for (uint8_t n : it->second->pieces) {
    if (n == 0) break;
    out->push_back(s.substr(at, n));
    at += n;
  }
  return true;
}

// Catalan's contractions of a preposition and an article ("del" -> "d" "el").
bool SplitCatalan(std::u32string_view s, std::vector<std::u32string_view>* out) {
  static constexpr std::pair<std::u32string_view, size_t> kForms[] = {{U"del", 1},  {U"al", 1},  {U"pel", 1},
                                                                      {U"dels", 1}, {U"als", 1}, {U"pels", 1}};
  for (auto [form, first] : kForms) {
    if (s != form) continue;
    out->push_back(s.substr(0, first));
    out->push_back(s.substr(first));
    return true;
  }
  return false;
}

// The language's exceptions that split one word in several.
bool SplitException(std::u32string_view s, const WordRules& rules, std::vector<std::u32string_view>* out) {
  return (rules.english && SplitContraction(s, out)) || (rules.catalan && SplitCatalan(s, out));
}

// "2." to "31.": ordinals Danish and Greek keep whole.
bool IsSmallOrdinal(std::u32string_view s) {
  if (s.size() < 2 || s.size() > 3 || s.back() != '.') return false;
  int n = 0;
  for (char32_t c : s.substr(0, s.size() - 1)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<int>(c - '0');
  }
  return n >= 1 && n <= 31;
}

// Abbreviations kept whole (spaCy's English exceptions that end in '.').
constexpr std::u32string_view kAbbreviations[] = {
    U"e.g.",  U"i.e.",  U"E.g.", U"I.e.",  U"E.G.",  U"I.E.",  U"vs.",   U"v.s.",   U"Mr.",   U"Mrs.",
    U"Ms.",   U"Dr.",   U"St.",  U"Jr.",   U"Prof.", U"Rev.",  U"Adm.",  U"Gen.",   U"Gov.",  U"Sen.",
    U"Rep.",  U"Bros.", U"Inc.", U"Ltd.",  U"Co.",   U"co.",   U"Corp.", U"Mt.",    U"a.m.",  U"p.m.",
    U"Ph.D.", U"Jan.",  U"Feb.", U"Mar.",  U"Apr.",  U"Jun.",  U"Jul.",  U"Aug.",   U"Sep.",  U"Sept.",
    U"Oct.",  U"Nov.",  U"Dec.", U"Ak.",   U"Ala.",  U"Ariz.", U"Ark.",  U"Calif.", U"Colo.", U"Conn.",
    U"Del.",  U"Fla.",  U"Ga.",  U"Ia.",   U"Id.",   U"Ill.",  U"Ind.",  U"Kan.",   U"Kans.", U"Ky.",
    U"La.",   U"Mass.", U"Md.",  U"Mich.", U"Minn.", U"Miss.", U"Mo.",   U"Mont.",  U"Neb.",  U"Nebr.",
    U"Nev.",  U"Okla.", U"Ore.", U"Pa.",   U"Tenn.", U"Va.",   U"Wash.", U"Wis."};
// Emoticons kept whole (spaCy's exceptions for every language).
constexpr std::u32string_view kEmoticons[] = {
    U":)",  U":-)", U":))", U":-))", U":)))", U":-)))", U"(:",    U"(-:",   U"=)",    U"(=",    U":]",
    U":-]", U"[:",  U"[-:", U"[=",   U"=]",   U":o)",   U"(o:",   U":}",    U":-}",   U"8)",    U"8-)",
    U"(-8", U";)",  U";-)", U"(;",   U"(-;",  U":(",    U":-(",   U":((",   U":-((",  U":(((",  U":-(((",
    U"):",  U")-:", U"=(",  U">:(",  U":')",  U":'-)",  U":'(",   U":'-(",  U":/",    U":-/",   U"=/",
    U":|",  U":-|", U"=|",  U":1",   U":P",   U":-P",   U":p",    U":-p",   U":O",    U":-O",   U":o",
    U":-o", U":0",  U":-0", U":()",  U">:o",  U":*",    U":-*",   U":3",    U":-3",   U"=3",    U":>",
    U":->", U":X",  U":-X", U":x",   U":-x",  U":D",    U":-D",   U";D",    U";-D",   U"=D",    U"xD",
    U"XD",  U"xDD", U"XDD", U"8D",   U"8-D",  U"^_^",   U"^__^",  U"^___^", U">.<",   U">.>",   U"<.<",
    U"._.", U";_;", U"-_-", U"-__-", U"v.v",  U"V.V",   U"v_v",   U"V_V",   U"o_o",   U"o_O",   U"O_o",
    U"O_O", U"0_o", U"o_0", U"0_0",  U"o.O",  U"O.o",   U"O.O",   U"o.o",   U"0.0",   U"o.0",   U"0.o",
    U"@_@", U"<3",  U"<33", U"<333", U"</3",  U"(^_^)", U"(-_-)", U"(._.)", U"(>_<)", U"(*_*)", U"=["};

bool IsAbbreviation(std::u32string_view s, const WordRules& rules) {
  static const std::unordered_set<std::u32string_view> abbreviations(std::begin(kAbbreviations),
                                                                     std::end(kAbbreviations));
  static const std::unordered_set<std::u32string_view> emoticons(std::begin(kEmoticons), std::end(kEmoticons));
  if (s.size() > 14 || s.empty()) return false;
  // Plain words are never specials, except a few emoticons ("xD").
  bool plain = std::all_of(s.begin(), s.end(), [](char32_t c) { return IsAlpha(c) || IsDecimal(c); });
  if (plain && s != U"xD" && s != U"XD" && s != U"xDD" && s != U"XDD" && s != U"8D") return false;
  if (emoticons.count(s) || (rules.english && abbreviations.count(s))) return true;
  // Single letters with a period ("a.", "J."); "U.S."-style acronyms keep
  // their period through the suffix rule.
  return s.size() == 2 && s[1] == '.' && IsAlpha(s[0]);
}

// spaCy's URL_MATCH (after Diego Perini's URL regex): optional scheme and
// user info, a public dotted IPv4 or host labels with a lower-case TLD, an
// optional port and path. Matched whole.
constexpr const char* kUrlPattern =
    R"(^(?:(?:[\w\+\-\.]{2,})://)?(?:\S+(?::\S*)?@)?(?:(?!(?:10|127)(?:\.\d{1,3}){3})(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))|(?:(?:[A-Za-z0-9\x{a1}-\x{ffff}][A-Za-z0-9\x{a1}-\x{ffff}_-]{0,62})?[A-Za-z0-9\x{a1}-\x{ffff}]\.)+(?:\p{Ll}{2,63}))(?::\d{2,5})?(?:[/?#]\S*)?$)";

// Backtracking steps one token may cost: spaCy's pattern backtracks
// quadratically over the user-info part (`\S+(?::\S*)?@`) of a long token
// without '@'; a real URL needs a few thousand steps. Past the limit the
// token is no URL (and is split as any other word).
constexpr uint32_t kUrlMatchLimit = 100000;

bool LooksLikeUrl(std::u32string_view s) {
  static const std::unique_ptr<Regex> url = std::move(Regex::Compile(kUrlPattern, kUrlMatchLimit)).value();
  if (s.size() > 4096 || s.find(U'.') == std::u32string_view::npos) return false;
  size_t begin = 0, end = 0;
  return url->Find(EncodeUtf8(s), 0, &begin, &end);
}

// Length of the prefix at the start of `s`, or 0.
size_t PrefixLength(std::u32string_view s) {
  if (s.size() >= 2 && s[0] == '.' && s[1] == '.') {
    size_t n = 2;
    while (n < s.size() && s[n] == '.') ++n;
    return n;
  }
  if (s.size() >= 2 && s[0] == U'…' && s[1] == U'…') return 2;
  char32_t c = s[0];
  if (c == '+') return s.size() > 1 && IsDigit(s[1]) ? 0 : 1;
  if (Has(kPrefixOnly, c) || Has(kPunct, c) || Has(kQuotes, c) || Has(kCurrency, c) || IsOtherSymbol(c)) return 1;
  return 0;
}

bool EndsWith(std::u32string_view s, std::u32string_view t) {
  return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
}

// Length of the suffix at the end of `s`, or 0 (the leftmost suffix that
// reaches the end, as a regex search for "(...)$" finds it).
size_t SuffixLength(std::u32string_view s, const WordRules& rules) {
  size_t n = s.size();
  // Dots: ".." and longer (no other suffix can start before such a run).
  size_t dots = 0;
  while (dots < n && s[n - 1 - dots] == '.') ++dots;
  if (dots >= 2) return dots;
  // Every other suffix is at most 5 characters long.
  for (size_t start = n > 6 ? n - 6 : 0; start < n; ++start) {
    std::u32string_view rest = s.substr(start);
    char32_t prev = start > 0 ? s[start - 1] : 0;
    char32_t prev2 = start > 1 ? s[start - 2] : 0;
    if (rest == U"……") return 2;
    if (rest.size() == 1) {
      char32_t c = rest[0];
      if (Has(kPunct, c) || Has(kQuotes, c) || c == U'—' || c == U'–' || IsOtherSymbol(c)) return 1;
      if (c == '+' && IsDigit(prev)) return 1;
      if (Has(kCurrency, c) && IsDigit(prev)) return 1;
      if (c == '.') {
        if ((IsDigit(prev) && rules.digit_period) || IsLower(prev) || prev == '%' || prev == U'²' || prev == '-' ||
            prev == '+' || Has(kPunct, prev) || Has(kQuotes, prev))
          return 1;
        if (IsUpper(prev) && IsUpper(prev2)) return 1;
      }
    }
    if (rules.s_suffix && (rest == U"'s" || rest == U"'S" || rest == U"’s" || rest == U"’S")) return 2;
    if (IsDigit(prev)) {
      for (auto u : kUnits) {
        if (rest == u) return rest.size();
      }
    }
  }
  return 0;
}

// English clitics spaCy's exceptions split off: "don't" -> "do" "n't".
size_t CliticLength(std::u32string_view s) {
  static constexpr std::u32string_view kClitics[] = {U"n't", U"n’t", U"'re", U"’re", U"'ve", U"’ve",
                                                     U"'ll", U"’ll", U"'d",  U"’d",  U"'m",  U"’m"};
  if (s.find_first_of(U"'’") == std::u32string_view::npos) return 0;
  for (auto c : kClitics) {
    if (s.size() > c.size() && EndsWith(Lower(s), c) && IsAlpha(s[s.size() - c.size() - 1])) return c.size();
  }
  return 0;
}

bool IsHyphen(char32_t c) {
  return c == '-' || c == U'–' || c == U'—' || c == '~';
}

// Splits `s` at infixes and appends the pieces.
// Indonesian and Malay reduplication ("hal-hal", "terburu-buru"): the word
// after the hyphen at [mid, right) ends the one before it.
bool Reduplicated(std::u32string_view s, size_t left, size_t mid, size_t right) {
  size_t end = right;
  while (end < s.size() && IsAlpha(s[end])) ++end;
  std::u32string before = Lower(s.substr(left, mid - left)), after = Lower(s.substr(right, end - right));
  return !after.empty() && after.size() <= before.size() &&
         before.compare(before.size() - after.size(), after.size(), after) == 0;
}

bool IsApostrophe(char32_t c) {
  return c == '\'' || c == U'’';
}

void SplitInfixes(std::u32string_view s, const WordRules& rules, std::vector<std::u32string_view>* out) {
  size_t start = 0, i = 0;
  auto emit = [&](size_t a, size_t b) {
    if (b > a) out->push_back(s.substr(a, b - a));
  };
  while (i < s.size()) {
    char32_t c = s[i];
    char32_t prev = i > 0 ? s[i - 1] : 0;
    size_t len = 0;
    if (c == '.' && i + 1 < s.size() && s[i + 1] == '.') {
      len = 2;
      while (i + len < s.size() && s[i + len] == '.') ++len;
    } else if (c == U'…') {
      len = 1;
    } else if (i > 0 && i + 1 < s.size()) {
      char32_t next = s[i + 1];
      if (IsOtherSymbol(c)) {
        len = 1;
      } else if (IsDigit(prev) && (c == '+' || (c == '-' && rules.digit_hyphen) || c == '*' || c == '^') &&
                 (IsDigit(next) || next == '-')) {
        len = 1;
      } else if (c == '.' && (IsLower(prev) || Has(kQuotes, prev)) && (IsUpper(next) || Has(kQuotes, next))) {
        len = 1;
      } else if (c == ',' && IsAlpha(prev) && IsAlpha(next)) {
        len = 1;
      } else if (rules.elision && IsApostrophe(prev) && i >= 2 && IsAlpha(s[i - 2]) && IsAlpha(c)) {
        // "l'homme" -> "l'" "homme": a split with nothing in between.
        emit(start, i);
        start = i++;
        continue;
      } else if (IsHyphen(c) && rules.letter_hyphen && (IsAlpha(prev) || IsDigit(prev))) {
        size_t h = 1;
        while (i + h < s.size() && IsHyphen(s[i + h]) && h < 3) ++h;
        if (i + h < s.size() && IsAlpha(s[i + h]) && !(rules.reduplication && Reduplicated(s, start, i, i + h)))
          len = h;
      } else if ((c == ':' || c == '<' || c == '>' || c == '=' || (c == '/' && rules.slash)) &&
                 (IsAlpha(prev) || IsDigit(prev)) && IsAlpha(next)) {
        len = 1;
      }
    }
    if (len > 0) {
      emit(start, i);
      emit(i, i + len);
      i += len;
      start = i;
    } else {
      ++i;
    }
  }
  emit(start, s.size());
}

void SplitChunk(std::u32string_view s, const WordRules& rules, std::vector<std::u32string_view>* out) {
  std::vector<std::u32string_view> suffixes;
  while (!s.empty()) {
    if (IsAbbreviation(s, rules)) break;
    if (rules.small_ordinals && IsSmallOrdinal(s)) break;
    if (SplitException(s, rules, out)) {
      s = {};
      break;
    }
    size_t before = s.size();
    if (size_t p = PrefixLength(s); p > 0 && p < s.size()) {
      out->push_back(s.substr(0, p));
      s.remove_prefix(p);
    } else if (p == s.size()) {
      break;
    }
    if (IsAbbreviation(s, rules)) break;
    if (size_t q = SuffixLength(s, rules); q > 0 && q < s.size()) {
      suffixes.push_back(s.substr(s.size() - q));
      s.remove_suffix(q);
    } else if (size_t k = rules.english ? CliticLength(s) : 0; k > 0) {
      suffixes.push_back(s.substr(s.size() - k));
      s.remove_suffix(k);
    }
    if (s.size() == before) break;
  }
  if (!s.empty()) {
    if (IsAbbreviation(s, rules) || LooksLikeUrl(s)) {
      out->push_back(s);
    } else {
      SplitInfixes(s, rules, out);
    }
  }
  for (auto it = suffixes.rbegin(); it != suffixes.rend(); ++it) out->push_back(*it);
}

}  // namespace

std::vector<std::u32string_view> SplitWords(std::u32string_view text, const WordRules& rules) {
  const Unspaced unspaced = rules.unspaced;
  std::vector<std::u32string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (i == start) break;
    std::u32string_view chunk = text.substr(start, i - start);
    // Fast path: only ASCII letters, or only digits, is one word (units like
    // "10km" and the contractions, "dont" -> "do" "nt", take the slow path).
    bool letters = true, digits = true;
    for (char32_t c : chunk) {
      letters = letters && c < 0x80 && (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
      digits = digits && c >= '0' && c <= '9';
      if (!letters && !digits) break;
    }
    if (letters || digits) {
      if (!SplitException(chunk, rules, &words)) words.push_back(chunk);
      continue;
    }
    // Runs of unspaced scripts: characters, or dictionary words.
    size_t a = 0;
    for (size_t k = 0; unspaced != Unspaced::kRuns && k < chunk.size(); ++k) {
      if (!IsNoSpaceScript(chunk[k])) continue;
      if (k > a) SplitChunk(chunk.substr(a, k - a), rules, &words);
      size_t e = k + 1;
      if (unspaced == Unspaced::kDictionary) {
        while (e < chunk.size() && IsNoSpaceScript(chunk[e])) ++e;
        SegmentUnspaced(chunk.substr(k, e - k), &words);
      } else {
        words.push_back(chunk.substr(k, 1));
      }
      a = e;
      k = e - 1;
    }
    if (a < chunk.size()) SplitChunk(chunk.substr(a), rules, &words);
  }
  return words;
}

std::vector<std::u32string_view> SplitWords(std::u32string_view text, Unspaced unspaced) {
  WordRules rules;
  rules.unspaced = unspaced;
  return SplitWords(text, rules);
}

WordRules WordRulesFor(std::string_view lang) {
  // Observed from spaCy 3.8's tokenizer for each language (through
  // datatrove's split_into_words) on "GNU/Linux Debian-systeem l'homme
  // 10-20 it's don't e.g. Kapitel 2.".
  auto in = [&](std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), lang) != list.end();
  };
  WordRules r;
  r.english = lang == "en";
  r.s_suffix = !in({"de", "nl", "sv", "da", "no", "es", "ca", "ro", "el", "pl", "fi", "hu", "sl", "fr"});
  r.letter_hyphen = !in({"de", "nl", "sv", "da", "no", "es", "pt", "ca", "ro", "el", "fi", "hu"});
  r.digit_hyphen = !in({"nl", "sv", "da", "no", "es", "pt", "ro", "el", "fi", "hu"});
  r.slash = !in({"nl", "ro", "hu"});
  r.elision = in({"fr", "it", "ca"});
  r.digit_period = !in({"de", "no", "hu", "tr", "sl"});
  r.small_ordinals = in({"da", "el"});
  r.catalan = lang == "ca";
  r.reduplication = in({"id", "ms"});
  return r;
}

}  // namespace crawlproof::filter
