// failed_has_code: a store is FAILED exactly when it has a connection error code.
#include "model/invariants/catalog.h"
#include "model/world.h"

namespace hsmsim::model {
namespace {

class FailedHasCode final : public Monitor {
 public:
  std::string_view name() const override { return "failed_has_code"; }
  std::string after_event(const World& world) override {
    for (const auto& s : world.kms().stores()) {
      if (s->deleted) continue;
      const bool failed = s->state == ConnectionState::FAILED;
      if (failed != s->error.has_value()) {
        return "custom key store " + s->id + " is " + to_string(s->state) +
               (s->error ? " with ConnectionErrorCode " + std::string(to_string(*s->error))
                         : " without a ConnectionErrorCode");
      }
    }
    return "";
  }
};

}  // namespace

std::unique_ptr<Monitor> make_failed_has_code() {
  return std::make_unique<FailedHasCode>();
}

}  // namespace hsmsim::model
