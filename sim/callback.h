// A type-erased `void()` callable stored inline, without allocation.
//
// The engine keeps one of these per pending event, so it must stay small and trivially
// copyable: a callable may capture at most 16 bytes of trivially copyable state (typically
// `this` and one id). Anything larger belongs in the actor that owns the event, looked up
// by that id — payloads live elsewhere, never in the event queue.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace hsmsim::sim {

class Callback {
 public:
  static constexpr std::size_t kCapacity = 16;

  Callback() = default;

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
  Callback(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    using Fn = std::decay_t<F>;
    static_assert(sizeof(Fn) <= kCapacity,
                  "event callbacks capture at most 16 bytes; keep payloads in the actor");
    static_assert(alignof(Fn) <= alignof(std::max_align_t));
    static_assert(std::is_trivially_copyable_v<Fn> && std::is_trivially_destructible_v<Fn>,
                  "event callbacks capture only trivially copyable state");
    ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
    invoke_ = [](const void* storage) {
      (*std::launder(reinterpret_cast<Fn*>(const_cast<void*>(storage))))();
    };
  }

  explicit operator bool() const { return invoke_ != nullptr; }
  void operator()() const { invoke_(storage_); }

 private:
  void (*invoke_)(const void*) = nullptr;
  alignas(8) unsigned char storage_[kCapacity] = {};
};

static_assert(sizeof(Callback) == 24);
static_assert(std::is_trivially_copyable_v<Callback>);

}  // namespace hsmsim::sim
