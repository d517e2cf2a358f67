// File-transfer messages, chunks and hashes.
#include "tether/transfer_wire.h"

#include <gtest/gtest.h>

#include <set>

namespace tether::tools::cli {
namespace {

std::span<const std::uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(TransferWire, TransferIdsAreRandomAndRoundTripThroughHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    TransferId id = NewTransferId();
    std::string hex = ToHex(id);
    EXPECT_EQ(hex.size(), 32u);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(TransferIdFromHex(hex), id);
    seen.insert(hex);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(TransferWire, HexParsingAcceptsUpperCaseAndRefusesAnythingElse) {
  EXPECT_TRUE(TransferIdFromHex("0F3C9A7E5B2D4C1A8E6F0B9D7C5A3E1F").has_value());
  EXPECT_FALSE(TransferIdFromHex("0f3c").has_value());
  EXPECT_FALSE(TransferIdFromHex("0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1g").has_value());
  EXPECT_FALSE(TransferIdFromHex("0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f00").has_value());
}

TEST(TransferWire, ChunkIsTheIdThenTheData) {
  TransferId id = *TransferIdFromHex("000102030405060708090a0b0c0d0e0f");
  std::vector<std::uint8_t> payload = ChunkPayload(id, Bytes("abc"));
  ASSERT_EQ(payload.size(), 19u);
  EXPECT_EQ(payload[0], 0x00);
  EXPECT_EQ(payload[15], 0x0f);
  EXPECT_EQ(std::string(payload.begin() + 16, payload.end()), "abc");
  auto chunk = ParseChunk(payload);
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(chunk->id, id);
  EXPECT_EQ(std::string(chunk->data.begin(), chunk->data.end()), "abc");
}

TEST(TransferWire, ChunkShorterThanAnIdIsRefusedAndAnEmptyOneIsValid) {
  std::vector<std::uint8_t> short_payload(15, 0);
  EXPECT_FALSE(ParseChunk(short_payload).has_value());
  TransferId id = NewTransferId();
  auto empty = ParseChunk(ChunkPayload(id, {}));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->data.empty());
}

TEST(TransferWire, FileBeginCarriesTheContractFieldsAndOurHash) {
  TransferId id = *TransferIdFromHex("0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f");
  Value begin = FileBeginRequest("s_1", id, kUpload, "driver.msi", 1048576, "ab12");
  EXPECT_EQ(begin.Find("t")->as_string(), "file.begin");
  EXPECT_EQ(begin.Find("session_id")->as_string(), "s_1");
  EXPECT_EQ(begin.Find("transfer_id")->as_string(), "0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f");
  EXPECT_EQ(begin.Find("direction")->as_string(), "upload");
  EXPECT_EQ(begin.Find("name")->as_string(), "driver.msi");
  EXPECT_EQ(begin.Find("size")->as_uint(), 1048576u);
  EXPECT_EQ(begin.Find("sha256")->as_string(), "ab12");
  EXPECT_EQ(begin.Find("id"), nullptr);  // the connection assigns it
  Value download = FileBeginRequest("s_1", id, kDownload, "C:\\logs\\app.log", 0);
  EXPECT_EQ(download.Find("size")->as_uint(), 0u);
  EXPECT_EQ(download.Find("sha256"), nullptr);
}

TEST(TransferWire, FileEndCarriesHashAndOutcome) {
  TransferId id = NewTransferId();
  Value end = FileEndRequest("s_1", id, "ff", false);
  EXPECT_EQ(end.Find("t")->as_string(), "file.end");
  EXPECT_EQ(end.Find("transfer_id")->as_string(), ToHex(id));
  EXPECT_EQ(end.Find("sha256")->as_string(), "ff");
  EXPECT_FALSE(end.Find("ok")->as_bool());
}

TEST(TransferWire, EventsAreMatchedByTransferIdInAnyCase) {
  TransferId id = *TransferIdFromHex("0f3c9a7e5b2d4c1a8e6f0b9d7c5a3e1f");
  EXPECT_TRUE(IsForTransfer(Value::MapOf({{"transfer_id", "0F3C9A7E5B2D4C1A8E6F0B9D7C5A3E1F"}}), id));
  EXPECT_FALSE(IsForTransfer(Value::MapOf({{"transfer_id", ToHex(NewTransferId())}}), id));
  EXPECT_FALSE(IsForTransfer(Value::MapOf({{"transfer_id", 5}}), id));
  EXPECT_FALSE(IsForTransfer(Value::MapOf({}), id));
}

TEST(TransferWire, Sha256MatchesKnownVectorsWhateverTheChunking) {
  Sha256 empty;
  EXPECT_EQ(empty.FinishHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 whole;
  whole.Update(Bytes("test"));
  EXPECT_EQ(whole.FinishHex(), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  Sha256 pieces;
  pieces.Update(Bytes("te"));
  pieces.Update(Bytes(""));
  pieces.Update(Bytes("st"));
  EXPECT_EQ(pieces.FinishHex(), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST(TransferWire, Sha256StartsOverAfterFinish) {
  Sha256 reused;
  reused.Update(Bytes("abc"));
  const Sha256::Digest first = reused.Finish();
  EXPECT_EQ(ToHex(first), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  reused.Update(Bytes("test"));  // nothing of "abc" is left in it
  EXPECT_EQ(reused.FinishHex(), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  EXPECT_EQ(reused.FinishHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace tether::tools::cli
