// engine_client.cpp - sio::native::make_engine_client: the client's Engine.IO session loop
// (engine_driver.cpp) on an asio Backend.
#include "sio/native/engine_client.hpp"

#include "../../engine_driver.hpp"
#include "asio_backend.hpp"

namespace sio::native {

std::unique_ptr<EngineClient> make_engine_client(boost::asio::any_io_executor executor, EngineClientOptions options) {
  return detail::make_engine_driver(detail::make_asio_backend(std::move(executor)), std::move(options));
}

}  // namespace sio::native
