# Writes a C++ source holding a file's bytes, so data ships inside the binary:
#   cmake -DIN=<file> -DOUT=<file.cc> -DSYMBOL=<name> -P embed_file.cmake
# defines `extern const std::string_view crawlproof::embedded::<SYMBOL>`.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by cmake/embed_file.cmake; do not edit.\n"
  "#include <string_view>\n"
  "namespace crawlproof::embedded {\n"
  "namespace {\nconst char kBytes[] = {${bytes}'\\0'};\n}  // namespace\n"
  "extern const std::string_view ${SYMBOL};\n"
  "const std::string_view ${SYMBOL}(kBytes, sizeof(kBytes) - 1);\n"
  "}  // namespace crawlproof::embedded\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
