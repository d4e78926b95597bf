// Signed notes, block bodies and validator-set documents, and a note verified
// against a set parsed from the same input (checkpoints and rotations).
#include "fuzz/fuzz_util.h"
#include "verify/block.h"
#include "verify/signed_note.h"
#include "verify/valset.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  // "<valset>\x00<note>" when the input has a NUL, else both from the whole.
  const size_t nul = in.find('\0');
  const std::string_view set_text = nul == std::string_view::npos ? in : in.substr(0, nul);
  const std::string_view note_text = nul == std::string_view::npos ? in : in.substr(nul + 1);
  auto set = verify::ParseValidatorSet(set_text);
  auto note = verify::ParseSignedNote(note_text);
  if (note.ok()) {
    auto body = verify::ParseBlockBody(note->text);
    if (body.ok() && verify::FormatBlockBody(*body) != note->text) __builtin_trap();  // canonical round trip
    if (verify::FormatSignedNote(*note) != note_text) {
      auto again = verify::ParseSignedNote(verify::FormatSignedNote(*note));
      if (!again.ok()) __builtin_trap();
    }
    if (set.ok()) (void)verify::VerifyNote(*note, *set);
  }
  return 0;
}
