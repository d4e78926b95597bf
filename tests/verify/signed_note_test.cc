#include "verify/signed_note.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/encoding.h"
#include "tests/support/test_paths.h"
#include "tests/verify/test_keys.h"
#include "verify/block.h"

namespace crawlproof::verify {
namespace {

BlockBody SampleBody() {
  BlockBody b;
  b.origin = "crawlproof.example/ledger";
  b.size = 12;
  b.root = HashLeaf("root");
  b.height = 3;
  b.prev = HashLeaf("prev");
  b.time = 1795891866;
  b.valset = HashLeaf("valset");
  return b;
}

SignedNote Sign(const std::string& text, const std::vector<const TestKey*>& keys) {
  SignedNote n;
  n.text = text;
  for (const auto* k : keys) n.signatures.push_back(SignNoteText(text, k->name, k->signer).value());
  return n;
}

TEST(Ed25519, SignaturesVerifyWithOpenSslCommandLine) {
  auto k = MakeTestKey("v1");
  std::string msg = FormatBlockBody(SampleBody());
  std::string sig = k.signer.Sign(msg).value();
  EXPECT_TRUE(Ed25519Verify(k.pair.public_key, msg, sig));
  EXPECT_FALSE(Ed25519Verify(k.pair.public_key, msg + "x", sig));
  EXPECT_EQ(Ed25519PublicKeyFromPem(k.pair.public_pem).value(), k.pair.public_key);
  // An independent implementation: openssl pkeyutl -verify -rawin.
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/pub.pem") << k.pair.public_pem;
  std::ofstream(dir + "/msg", std::ios::binary) << msg;
  std::ofstream(dir + "/sig", std::ios::binary) << sig;
  std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + dir + "/pub.pem -rawin -in " + dir + "/msg -sigfile " +
                    dir + "/sig >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::ofstream(dir + "/msg", std::ios::binary) << msg << "x";
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST(SignedNote, RoundTripAndQuorum) {
  auto a = MakeTestKey("alpha"), b = MakeTestKey("beta"), c = MakeTestKey("gamma");
  ValidatorSet set = TestSet(2, {&a, &b, &c});
  std::string text = FormatBlockBody(SampleBody());
  SignedNote note = Sign(text, {&a, &c});
  std::string wire = FormatSignedNote(note);
  auto parsed = ParseSignedNote(wire);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->text, text);
  auto v = VerifyNote(*parsed, set);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->quorum_met);
  EXPECT_EQ(v->signers, (std::vector<std::string>{"alpha", "gamma"}));
  // One signature is not enough for quorum 2.
  auto one = VerifyNote(Sign(text, {&b}), set);
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->quorum_met);
}

TEST(SignedNote, DuplicateAndUnknownSignersAreNotCounted) {
  auto a = MakeTestKey("alpha"), b = MakeTestKey("beta"), stranger = MakeTestKey("mallory");
  ValidatorSet set = TestSet(2, {&a, &b});
  std::string text = FormatBlockBody(SampleBody());
  auto twice = VerifyNote(Sign(text, {&a, &a}), set);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->signers.size(), 1u);
  EXPECT_FALSE(twice->quorum_met);
  auto unknown = VerifyNote(Sign(text, {&a, &stranger}), set);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->ignored, 1u);
  EXPECT_FALSE(unknown->quorum_met);
  // Mallory's signature under beta's name: the key id is mallory's, so it does
  // not match beta's and is ignored, never counted.
  SignedNote forged = Sign(text, {&a});
  NoteSignature s = SignNoteText(text, "mallory", stranger.signer).value();
  s.name = "beta";
  forged.signatures.push_back(s);
  auto f = VerifyNote(forged, set);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->quorum_met);
  // Mallory's signature with beta's key id: matches beta, fails verification.
  s.key_id = ComputeKeyId("beta", b.pair.public_key);
  forged.signatures.back() = s;
  EXPECT_FALSE(VerifyNote(forged, set).ok());
}

TEST(SignedNote, AnyChangedByteIsRefused) {
  auto a = MakeTestKey("alpha");
  ValidatorSet set = TestSet(1, {&a});
  std::string wire = FormatSignedNote(Sign(FormatBlockBody(SampleBody()), {&a}));
  size_t text_size = ParseSignedNote(wire)->text.size();
  for (size_t i = 0; i < text_size; ++i) {
    std::string bad = wire;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto parsed = ParseSignedNote(bad);
    if (!parsed.ok()) continue;  // refused at parsing: fine
    auto v = VerifyNote(*parsed, set);
    EXPECT_TRUE(!v.ok() || !v->quorum_met) << "byte " << i;
  }
  std::string crlf = wire;
  crlf.replace(crlf.find('\n'), 1, "\r\n");
  EXPECT_FALSE(ParseSignedNote(crlf).ok());
  EXPECT_FALSE(ParseSignedNote(wire.substr(0, wire.size() - 1)).ok());  // final newline missing
  std::string noncanonical = wire;
  size_t eq = noncanonical.rfind('=');
  if (eq != std::string::npos) {
    noncanonical.erase(eq, 1);  // padding removed
    EXPECT_FALSE(ParseSignedNote(noncanonical).ok());
  }
}

TEST(ValidatorSet, ParsesStrictly) {
  auto a = MakeTestKey("alpha"), b = MakeTestKey("beta");
  ValidatorSet set = TestSet(2, {&a, &b});
  auto parsed = ParseValidatorSet(set.document);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->hash, Sha256Hash(set.document));
  EXPECT_EQ(parsed->validators.size(), 2u);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string d = set.document;
    d.replace(d.find(from), from.size(), to);
    return ParseValidatorSet(d).ok();
  };
  EXPECT_FALSE(replace("quorum 2", "quorum 02"));
  EXPECT_FALSE(replace("quorum 2", "quorum 3"));
  EXPECT_FALSE(replace("quorum 2", "quorum 0"));
  EXPECT_FALSE(replace("crawlproof-valset/v1", "crawlproof-valset/v2"));
  EXPECT_FALSE(replace("beta", "alpha"));  // duplicate name
  EXPECT_FALSE(ParseValidatorSet(set.document.substr(0, set.document.size() - 1)).ok());
  EXPECT_FALSE(MakeValidatorSet(1, {ValidatorLine("a+b", a.pair.public_key)}).ok());
}

TEST(BlockBody, RoundTripAndCanonicalForm) {
  BlockBody b = SampleBody();
  std::string text = FormatBlockBody(b);
  auto parsed = ParseBlockBody(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(FormatBlockBody(*parsed), text);
  EXPECT_EQ(parsed->height, 3u);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string d = text;
    d.replace(d.find(from), from.size(), to);
    return ParseBlockBody(d).ok();
  };
  EXPECT_FALSE(with("height 3", "height 03"));
  EXPECT_FALSE(with("\n12\n", "\n012\n"));
  EXPECT_FALSE(with("\n12\n", "\n+12\n"));
  EXPECT_FALSE(with("time ", "time  "));
  EXPECT_FALSE(with("crawlproof-block/v1", "crawlproof-block/v2"));
  EXPECT_FALSE(with("\n", "\r\n"));
  EXPECT_FALSE(ParseBlockBody(text + "extra\n").ok());
  EXPECT_FALSE(ParseBlockBody(text.substr(0, text.size() - 1)).ok());
  std::string root_b64 = ToBase64(b.root);
  std::string unpadded = root_b64.substr(0, root_b64.size() - 1);
  EXPECT_FALSE(with(root_b64, unpadded));
}

}  // namespace
}  // namespace crawlproof::verify
