// TerminalConsent: a y/N question with a deadline, on the uv loop.
#include "consent.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace tether::agent {

std::string PrintableText(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

std::string ConsentPrompt(const ConsentQuestion& question) {
  std::string who = PrintableText(question.controller_name);
  if (!question.controller_email.empty()) who += " <" + PrintableText(question.controller_email) + ">";
  std::string prompt;
  if (question.recorded) prompt += "This session will be recorded.\n";
  return prompt + "Allow " + who + " to control this computer? [y/N] ";
}

TerminalConsent::TerminalConsent(uv_loop_t* loop, int input_fd, int output_fd, std::chrono::milliseconds timeout)
    : loop_(loop), input_fd_(input_fd), output_fd_(output_fd), timeout_(timeout) {
  timer_.Init([loop](uv_timer_t* h) { return uv_timer_init(loop, h); }, this);
  // epoll refuses regular files (EPERM): such input is read directly, it never blocks.
  input_.Init([loop, input_fd](uv_poll_t* h) { return uv_poll_init(loop, h, input_fd); }, this);
}

TerminalConsent::~TerminalConsent() = default;

void TerminalConsent::Say(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(output_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void TerminalConsent::Ask(const ConsentQuestion& question, Answer answer) {
  answer_ = std::move(answer);
  line_.clear();
  Say(ConsentPrompt(question));
  uv_timer_start(timer_.get(), [](uv_timer_t* h) {
    static_cast<TerminalConsent*>(h->data)->Conclude(false, "\nNo answer in time: refused.\n");
  }, static_cast<std::uint64_t>(timeout_.count()), 0);
  if (!input_.initialized()) {
    while (answer_) OnReadable();  // a file or /dev/null: reads never block
    return;
  }
  uv_poll_start(input_.get(), UV_READABLE, [](uv_poll_t* h, int, int) {
    static_cast<TerminalConsent*>(h->data)->OnReadable();
  });
}

void TerminalConsent::OnReadable() {
  char buffer[256];
  ssize_t n = ::read(input_fd_, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0 && line_.empty()) return Conclude(false, "\nNo answer (end of input): refused.\n");
  if (n > 0) line_.append(buffer, static_cast<std::size_t>(n));
  std::size_t end = n > 0 ? line_.find('\n') : line_.size();  // at end of input, the last line
  if (end == std::string::npos) {
    if (line_.size() > 1024) Conclude(false, "Refused.\n");
    return;
  }
  std::string word = line_.substr(0, end);
  word.erase(std::remove_if(word.begin(), word.end(), [](unsigned char c) { return std::isspace(c); }), word.end());
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  bool yes = word == "y" || word == "yes";
  Conclude(yes, yes ? "Allowed.\n" : "Refused.\n");
}

void TerminalConsent::Conclude(bool accept, const char* note) {
  Answer answer = std::move(answer_);
  answer_ = nullptr;
  Stop();
  Say(note);
  if (answer) answer(accept);
}

void TerminalConsent::Cancel() {
  if (!answer_) return;
  answer_ = nullptr;
  Stop();
  Say("\nThe request was withdrawn.\n");
}

void TerminalConsent::Stop() {
  uv_timer_stop(timer_.get());
  if (input_.initialized()) uv_poll_stop(input_.get());
}

}  // namespace tether::agent
