// Fuzzes the Phoenix V2 codec (channels/frame.hpp): the text-frame decoder and the binary push header.
//
// Invariants, beyond "never crashes, never throws":
//  - a decoded frame re-encodes (EncodeMessage, EncodeReply) to text that decodes to the same frame:
//    what the server echoes back (topic, refs, event) survives its own encoder whatever the client sent;
//  - a refused frame that is "addressable" has its refs, topic and event read;
//  - AppendJsonString of any string the decoders produce is JSON that parses back to that string.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "channels/frame.hpp"

namespace {

using confab::channels::BinaryHeader;
using confab::channels::DecodeBinaryHeader;
using confab::channels::DecodeFrame;
using confab::channels::Frame;
using nlohmann::json;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "phoenix_frame invariant broken: %s\n", what);
    abort();
  }
}

void CheckJsonString(std::string_view s) {
  std::string out;
  confab::channels::AppendJsonString(&out, s);
  const json back = json::parse(out, nullptr, false);
  Check(back.is_string() && back.get<std::string>() == s, "AppendJsonString parses back to its input");
}

void CheckSameFrame(const Frame& a, const Frame& b) {
  Check(a.join_ref == b.join_ref, "join_ref survives a round trip");
  Check(a.ref == b.ref, "ref survives a round trip");
  Check(a.topic == b.topic, "topic survives a round trip");
  Check(a.event == b.event, "event survives a round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  Frame frame;
  const auto error = DecodeFrame(text, &frame);
  if (!error) {
    Check(frame.payload.is_object(), "a decoded payload is an object");
    CheckJsonString(frame.topic);
    CheckJsonString(frame.event);
    if (frame.join_ref) CheckJsonString(*frame.join_ref);
    if (frame.ref) CheckJsonString(*frame.ref);

    // The payload as the server would forward it, then the whole frame re-encoded.
    const std::string payload_json = frame.payload.dump();
    const std::string again =
        confab::channels::EncodeMessage(frame.join_ref, frame.ref, frame.topic, frame.event, payload_json);
    Frame back;
    const auto back_error = DecodeFrame(again, &back);
    if (back_error) {
      fprintf(stderr, "re-encoded frame refused (%s): %s\n", back_error->what.c_str(), again.c_str());
      abort();
    }
    CheckSameFrame(frame, back);
    Check(back.payload == frame.payload, "the payload survives a round trip");

    // A reply carrying the payload as its response (two levels deeper: it may pass the depth limit,
    // which applies to what clients send).
    const std::string reply =
        confab::channels::EncodeReply(frame.join_ref, frame.ref, frame.topic, "ok", payload_json);
    Frame replied;
    if (const auto reply_error = DecodeFrame(reply, &replied)) {
      Check(reply_error->what == "nesting too deep", "an encoded reply decodes");
    } else {
      Check(replied.event == "phx_reply" && replied.topic == frame.topic, "a reply names its topic");
      Check(replied.payload == json({{"status", "ok"}, {"response", frame.payload}}),
            "a reply carries its response");
    }
  } else {
    Check(!error->what.empty(), "a refusal says why");
    if (error->addressable) {
      // Only the payload was wrong: the frame can be answered, so what was read must re-encode.
      CheckJsonString(frame.topic);
      CheckJsonString(frame.event);
      const std::string reply = confab::channels::EncodeReply(
          frame.join_ref, frame.ref, frame.topic, "error", confab::channels::ReasonJson("invalid_payload"));
      Frame replied;
      Check(!DecodeFrame(reply, &replied), "the error reply to an addressable frame decodes");
      Check(replied.topic == frame.topic && replied.ref == frame.ref, "the error reply is addressed");
    }
  }

  BinaryHeader header;
  if (DecodeBinaryHeader(text, &header)) {
    Check(size >= 5 && data[0] == 0, "a binary push starts with kind 0 and four lengths");
    Check(header.topic.size() == data[3] && header.event.size() == data[4], "lengths as the header says");
    CheckJsonString(header.topic);
    CheckJsonString(header.event);
    if (header.join_ref) CheckJsonString(*header.join_ref);
    if (header.ref) CheckJsonString(*header.ref);
  }
  return 0;
}
