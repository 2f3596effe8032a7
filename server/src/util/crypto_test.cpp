#include "util/crypto.hpp"

#include <gtest/gtest.h>

namespace confab {
namespace {

TEST(CryptoTest, HashSecretIsSha256Hex) {
  EXPECT_EQ(HashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, SealKeyIsNotTheStoredCredentialHash) {
  // The store keeps HashSecret(secret); a seal key must not be computable from it.
  EXPECT_NE(SealKey("s3cret"), HashSecret("s3cret"));
  EXPECT_EQ(SealKey("s3cret"), SealKey("s3cret"));
  EXPECT_NE(SealKey("s3cret"), SealKey("s3cret2"));
}

TEST(CryptoTest, CardSealsDependOnKeyAndCard) {
  const std::string a = SealKey("a"), b = SealKey("b");
  EXPECT_EQ(CardSeal(a, "k1").size(), 32u);
  EXPECT_EQ(CardSeal(a, "k1"), CardSeal(a, "k1"));
  EXPECT_NE(CardSeal(a, "k1"), CardSeal(a, "k2"));
  EXPECT_NE(CardSeal(a, "k1"), CardSeal(b, "k1"));
}

}  // namespace
}  // namespace confab
