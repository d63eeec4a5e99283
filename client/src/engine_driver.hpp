// engine_driver.hpp - the one Engine.IO session loop of the client, on any Backend.
#pragma once

#include <memory>

#include "backend.hpp"
#include "sio/client/engine.hpp"

namespace sio::detail {

// An EngineClient (sio/client/engine.hpp) running on `backend`'s Loop: every member function must
// be called there, every callback runs there.
std::unique_ptr<EngineClient> make_engine_driver(std::shared_ptr<Backend> backend, EngineClientOptions options);

}  // namespace sio::detail
