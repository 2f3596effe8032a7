#include "views/projection.hpp"

namespace confab::views {

Status Projection::Rebuild(store::Store& store) {
  Clear();
  return store.ScanAll([this](const store::StoredEvent& ev) {
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) OnEvent(ev, parsed);
    return true;
  });
}

}  // namespace confab::views
