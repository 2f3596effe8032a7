#include "cluster/nats_bus.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <climits>
#include <exception>
#include <mutex>
#include <utility>

namespace confab::cluster {
namespace {

constexpr int64_t kReconnectWaitMs = 250;
constexpr int64_t kReconnectJitterMs = 100;
constexpr int64_t kReconnectJitterTlsMs = 250;
constexpr int kReconnectBufferBytes = 8 << 20;
// The default (2 minutes x 2 pings) takes minutes to notice a server that vanished without a FIN.
constexpr int64_t kPingIntervalMs = 10'000;
constexpr int kMaxPingsOut = 3;
// Without a deadline the socket is blocking, and a publish that has to write in place (buffer full)
// while the server is stuck would hold the connection lock until TCP gives up, minutes later. With
// one the write fails, the connection is dropped and rebuilt, and the caller is bounded.
constexpr int64_t kWriteDeadlineMs = 2'000;
// A drop loses messages (rooms then catch up from the store, which is slow), so buffer generously.
constexpr int kPendingMsgs = 1'000'000;
constexpr int kPendingBytes = 256 << 20;
// Process-wide: with one delivery thread per subscription (libnats's default), thousands of meetings
// would mean thousands of threads. The global pool delivers every subscription of every connection
// created with UseGlobalMessageDelivery; each subscription stays on one thread, keeping its order.
constexpr int kDeliveryThreads = 4;

Status FromNats(natsStatus s, std::string_view what) {
  if (s == NATS_OK) return Status::Ok();
  std::string msg = std::string(what) + ": " + natsStatus_GetText(s);
  switch (s) {
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_MAX_PAYLOAD:
      return Status::Invalid(std::move(msg));
    default:
      return Status::Unavailable(std::move(msg));
  }
}

// Shared by the Subscription and by libnats (which owns one reference through the callback closure
// until the subscription's completion callback): libnats may call OnMessage with the closure it read
// just before the subscription closed, so the closure must outlive the Subscription object.
struct SubscriptionState {
  explicit SubscriptionState(Bus::Handler h) : handler(std::move(h)) {}

  // After this, the handler does not run again, and is not running unless on this very thread
  // (the Subscription destroyed from its own handler).
  void CloseAndWait() {
    std::unique_lock lock(mu);
    closed = true;
    cv.wait(lock,
            [&] { return running_on == std::thread::id() || running_on == std::this_thread::get_id(); });
  }

  const Bus::Handler handler;
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  std::thread::id running_on;
};

using StateRef = std::shared_ptr<SubscriptionState>;

void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  SubscriptionState& state = **static_cast<StateRef*>(closure);
  {
    std::lock_guard lock(state.mu);
    if (state.closed) {
      natsMsg_Destroy(msg);
      return;
    }
    state.running_on = std::this_thread::get_id();
  }
  try {
    state.handler(natsMsg_GetSubject(msg),
                  std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
  } catch (const std::exception& e) {
    // An exception cannot cross the C library; losing one message is what the bus allows anyway.
    spdlog::error("bus handler for {} threw: {}", natsMsg_GetSubject(msg), e.what());
  } catch (...) {
    spdlog::error("bus handler for {} threw a non-exception", natsMsg_GetSubject(msg));
  }
  natsMsg_Destroy(msg);
  std::lock_guard lock(state.mu);
  state.running_on = std::thread::id();
  state.cv.notify_all();
}

// libnats calls this on the delivery thread after the last OnMessage for a closed subscription.
void OnSubscriptionComplete(void* closure) {
  delete static_cast<StateRef*>(closure);
}

class NatsSubscription final : public Subscription {
 public:
  NatsSubscription(natsSubscription* sub, StateRef state) : sub_(sub), state_(std::move(state)) {}
  ~NatsSubscription() override {
    // Fails only if the connection is already closed, which closed the subscription too.
    natsSubscription_Unsubscribe(sub_);
    state_->CloseAndWait();
    natsSubscription_Destroy(sub_);
  }
  NatsSubscription(const NatsSubscription&) = delete;
  NatsSubscription& operator=(const NatsSubscription&) = delete;

 private:
  natsSubscription* const sub_;
  const StateRef state_;
};

}  // namespace

struct NatsBus::Callbacks {
  static void Connected(natsConnection*, void* closure) {
    auto* bus = static_cast<NatsBus*>(closure);
    spdlog::info("bus: connected to NATS at {}", bus->description_);
    bus->NotifyStateChanged();
    bus->RunOnReconnected();
  }
  static void Disconnected(natsConnection*, void* closure) {
    auto* bus = static_cast<NatsBus*>(closure);
    if (bus->closing_.load()) {
      spdlog::debug("bus: disconnected from NATS at {} (closing)", bus->description_);
    } else {
      spdlog::warn("bus: lost NATS at {}; reconnecting every ~{} ms, publishes buffered up to {} MiB",
                   bus->description_, kReconnectWaitMs, kReconnectBufferBytes >> 20);
    }
    bus->NotifyStateChanged();
  }
  static void Reconnected(natsConnection*, void* closure) {
    auto* bus = static_cast<NatsBus*>(closure);
    spdlog::info("bus: reconnected to NATS at {}", bus->description_);
    bus->NotifyStateChanged();
    bus->RunOnReconnected();
  }
  static void Closed(natsConnection*, void* closure) {
    auto* bus = static_cast<NatsBus*>(closure);
    if (!bus->closing_.load()) spdlog::error("bus: NATS connection to {} closed for good", bus->description_);
    // Last callback libnats posts for a connection (after its threads are joined): the destructor
    // may free the bus as soon as this is seen, so nothing may touch `bus` after the notify.
    std::lock_guard lock(bus->state_mu_);
    bus->closed_ = true;
    bus->state_cv_.notify_all();
  }
  static void Error(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure) {
    auto* bus = static_cast<NatsBus*>(closure);
    if (err == NATS_SLOW_CONSUMER) {
      spdlog::warn("bus: slow consumer on {} ({}): messages dropped; listeners must catch up from the store",
                   sub != nullptr ? natsSubscription_GetSubject(sub) : "?", bus->description_);
      return;
    }
    const char* text = nullptr;
    natsConnection_GetLastError(nc, &text);
    spdlog::warn("bus: NATS error at {}: {} ({})", bus->description_, natsStatus_GetText(err),
                 text != nullptr ? text : "");
  }
};

void NatsBus::NotifyStateChanged() {
  // Taking the lock orders this after a waiter's check of the status, so its wakeup is not lost.
  std::lock_guard lock(state_mu_);
  state_cv_.notify_all();
}

void NatsBus::RunOnReconnected() {
  std::lock_guard lock(callback_mu_);
  if (!on_reconnected_) return;
  callback_thread_.store(std::this_thread::get_id());
  try {
    on_reconnected_();
  } catch (const std::exception& e) {
    spdlog::error("bus: on_reconnected threw: {}", e.what());
  } catch (...) {
    spdlog::error("bus: on_reconnected threw a non-exception");
  }
  callback_thread_.store(std::thread::id());
}

std::string NatsBus::StripCredentials(std::string_view urls) {
  std::string out;
  for (size_t begin = 0; begin <= urls.size();) {
    size_t end = urls.find(',', begin);
    if (end == std::string_view::npos) end = urls.size();
    std::string_view url = urls.substr(begin, end - begin);
    size_t authority = url.find("://");
    authority = authority == std::string_view::npos ? 0 : authority + 3;
    size_t authority_end = url.find_first_of("/?#", authority);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    size_t at = url.substr(authority, authority_end - authority).rfind('@');
    if (begin > 0) out += ',';
    if (at == std::string_view::npos) {
      out += url;
    } else {
      out += url.substr(0, authority);
      out += url.substr(authority + at + 1);
    }
    begin = end + 1;
  }
  return out;
}

Status NatsBus::Open(const std::string& url, const std::string& client_name, std::unique_ptr<NatsBus>* out) {
  static std::once_flag pool_once;
  std::call_once(pool_once, [] {
    if (natsStatus s = nats_SetMessageDeliveryPoolSize(kDeliveryThreads); s != NATS_OK)
      spdlog::warn("bus: cannot size the NATS delivery pool: {}", natsStatus_GetText(s));
  });

  std::unique_ptr<NatsBus> bus(new NatsBus(StripCredentials(url)));
  const std::string& where = bus->description_;

  natsOptions* raw_opts = nullptr;
  if (natsStatus s = natsOptions_Create(&raw_opts); s != NATS_OK) return FromNats(s, "NATS options");
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> opts(raw_opts, &natsOptions_Destroy);

  natsStatus s = natsOptions_SetURL(opts.get(), url.c_str());
  if (s != NATS_OK) return Status::Invalid("NATS url " + where + ": " + natsStatus_GetText(s));
  NatsBus* self = bus.get();
  // Each setter returns NATS_OK or a bad-argument error; the first failure is kept.
  for (natsStatus step : {
           natsOptions_SetName(opts.get(), client_name.c_str()),
           natsOptions_SetAllowReconnect(opts.get(), true),
           natsOptions_SetMaxReconnect(opts.get(), -1),
           natsOptions_SetReconnectWait(opts.get(), kReconnectWaitMs),
           natsOptions_SetReconnectJitter(opts.get(), kReconnectJitterMs, kReconnectJitterTlsMs),
           natsOptions_SetReconnectBufSize(opts.get(), kReconnectBufferBytes),
           natsOptions_SetPingInterval(opts.get(), kPingIntervalMs),
           natsOptions_SetMaxPingsOut(opts.get(), kMaxPingsOut),
           natsOptions_SetWriteDeadline(opts.get(), kWriteDeadlineMs),
           natsOptions_SetMaxPendingMsgs(opts.get(), kPendingMsgs),
           natsOptions_UseGlobalMessageDelivery(opts.get(), true),
           // Echo stays on: the Bus contract delivers our own publishes to our own subscriptions.
           natsOptions_SetNoEcho(opts.get(), false),
           // With a connected callback, an unreachable server makes Connect return at once and keep
           // trying in the background instead of failing.
           natsOptions_SetRetryOnFailedConnect(opts.get(), true, &Callbacks::Connected, self),
           natsOptions_SetDisconnectedCB(opts.get(), &Callbacks::Disconnected, self),
           natsOptions_SetReconnectedCB(opts.get(), &Callbacks::Reconnected, self),
           natsOptions_SetClosedCB(opts.get(), &Callbacks::Closed, self),
           natsOptions_SetErrorHandler(opts.get(), &Callbacks::Error, self),
       }) {
    if (s == NATS_OK) s = step;
  }
  if (s != NATS_OK) return FromNats(s, "NATS options for " + where);

  natsConnection* nc = nullptr;
  s = natsConnection_Connect(&nc, opts.get());
  if (s == NATS_NOT_YET_CONNECTED) {
    spdlog::warn("bus: NATS at {} not reachable yet; retrying in the background", where);
  } else if (s != NATS_OK) {
    // No connection object, so no callback can be pending on `bus`.
    return FromNats(s, "NATS connect to " + where);
  } else {
    spdlog::info("bus: connected to NATS at {}", where);
  }
  bus->nc_ = nc;
  *out = std::move(bus);
  return Status::Ok();
}

NatsBus::~NatsBus() {
  if (nc_ == nullptr) return;
  assert(callback_thread_.load() != std::this_thread::get_id() && "NatsBus destroyed from on_reconnected");
  closing_.store(true);
  natsConnection_Close(nc_);
  {
    std::unique_lock lock(state_mu_);
    state_cv_.wait(lock, [&] { return closed_; });
  }
  natsConnection_Destroy(nc_);
}

Status NatsBus::Publish(std::string_view subject, std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return Status::Invalid("bus message too large");
  const std::string subj(subject);  // libnats wants a C string
  natsStatus s = natsConnection_Publish(nc_, subj.c_str(), data.empty() ? "" : data.data(),
                                        static_cast<int>(data.size()));
  if (s == NATS_INSUFFICIENT_BUFFER) return Status::Unavailable("bus disconnected and its buffer is full");
  return FromNats(s, "publish");
}

Status NatsBus::Subscribe(const std::string& subject, Handler handler, std::unique_ptr<Subscription>* out) {
  if (!handler) return Status::Invalid("subscribe " + subject + ": no handler");
  auto state = std::make_shared<SubscriptionState>(std::move(handler));
  auto* closure = new StateRef(state);
  natsSubscription* sub = nullptr;
  if (natsStatus s = natsConnection_Subscribe(&sub, nc_, subject.c_str(), &OnMessage, closure);
      s != NATS_OK) {
    delete closure;  // no subscription, so libnats kept no copy
    return FromNats(s, "subscribe " + subject);
  }
  if (natsStatus s = natsSubscription_SetOnCompleteCB(sub, &OnSubscriptionComplete, closure); s != NATS_OK) {
    // Only if the connection closed meanwhile. libnats may still hand `closure` to a last OnMessage
    // and will never tell us when it is done with it, so it is leaked on purpose.
    natsSubscription_Unsubscribe(sub);
    state->CloseAndWait();
    natsSubscription_Destroy(sub);
    return FromNats(s, "subscribe " + subject);
  }
  if (natsStatus s = natsSubscription_SetPendingLimits(sub, kPendingMsgs, kPendingBytes); s != NATS_OK)
    spdlog::warn("bus: pending limits for {}: {}", subject, natsStatus_GetText(s));
  *out = std::make_unique<NatsSubscription>(sub, std::move(state));
  return Status::Ok();
}

void NatsBus::set_on_reconnected(std::function<void()> fn) {
  assert(callback_thread_.load() != std::this_thread::get_id() && "set_on_reconnected from on_reconnected");
  std::function<void()> old;
  {
    std::lock_guard lock(callback_mu_);
    old = std::exchange(on_reconnected_, std::move(fn));
  }
  // `old` dies here, outside the lock, in case its captures' destructors call back into the bus.
}

bool NatsBus::connected() const {
  return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

std::string NatsBus::Describe() const {
  return description_;
}

Status NatsBus::Flush(std::chrono::milliseconds timeout) {
  return FromNats(natsConnection_FlushTimeout(nc_, timeout.count()), "flush");
}

bool NatsBus::WaitUntilConnected(bool want, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_mu_);
  // Every status change is followed by a callback that notifies under state_mu_.
  return state_cv_.wait_for(lock, timeout, [&] { return connected() == want || closed_; }) &&
         connected() == want;
}

}  // namespace confab::cluster
