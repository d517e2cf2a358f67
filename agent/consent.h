// Consent: asking the person at this computer whether a controller may take it over
// (PROTOCOL.md "Sessions": `session.request` with `consent_required`).
//
// ConsentAsker is what SessionHost calls; FixedConsent answers without asking (--accept,
// --deny, and the unattended default when there is no terminal), TerminalConsent asks on
// a terminal: the question on one descriptor (stderr), a line from another (stdin),
// read on the uv loop, "y" or "yes" (any case) meaning yes and anything else — another
// answer, end of input, or silence until the timeout — meaning no. The timeout (55 s by
// default) is shorter than the broker's own 60 s so that the answer is ours, not a
// timeout's.
//
// Thread-safety: none; loop thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <string>

#include "uv_handle.h"

namespace tether::agent {

struct ConsentQuestion {
  std::string controller_name;
  std::string controller_email;
  bool recorded = false;
};

class ConsentAsker {
 public:
  using Answer = std::function<void(bool accept)>;
  virtual ~ConsentAsker() = default;
  // Asks; `answer` runs once (possibly before Ask returns), unless Cancel comes first.
  // One question at a time.
  virtual void Ask(const ConsentQuestion& question, Answer answer) = 0;
  // Withdraws the open question (the session ended meanwhile): `answer` will not run.
  virtual void Cancel() = 0;
};

class FixedConsent final : public ConsentAsker {
 public:
  explicit FixedConsent(bool accept) : accept_(accept) {}
  void Ask(const ConsentQuestion&, Answer answer) override { answer(accept_); }
  void Cancel() override {}

 private:
  bool accept_;
};

// Control characters replaced by '?': names come from the broker and must not be able
// to move the cursor or rewrite the question on the local user's terminal.
std::string PrintableText(const std::string& text);
// "Allow Tom Baker <tom@acme.example> to control this computer? [y/N] "
std::string ConsentPrompt(const ConsentQuestion& question);

class TerminalConsent final : public ConsentAsker {
 public:
  // The descriptors stay the caller's (not closed here). `loop` must outlive this.
  TerminalConsent(uv_loop_t* loop, int input_fd, int output_fd,
                  std::chrono::milliseconds timeout = std::chrono::seconds(55));
  ~TerminalConsent() override;
  void Ask(const ConsentQuestion& question, Answer answer) override;
  void Cancel() override;

 private:
  void OnReadable();
  void Conclude(bool accept, const char* note);
  void Stop();
  void Say(const std::string& text);

  uv_loop_t* loop_;
  int input_fd_;
  int output_fd_;
  std::chrono::milliseconds timeout_;
  UvHandle<uv_poll_t> input_;  // not initialised when the input cannot be polled (a file)
  UvHandle<uv_timer_t> timer_;
  Answer answer_;
  std::string line_;
};

}  // namespace tether::agent
