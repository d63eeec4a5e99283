// sio/native/engine_client.hpp - a bare Engine.IO client connection (sio/client/engine.hpp) on an
// asio executor: libcurl for polling, Boost.Beast for WebSocket. Native only.
//
// Threading: runs on a strand of the executor it is given; every callback is invoked there, and
// every member function must be called there.
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "sio/client/engine.hpp"

namespace sio::native {

using sio::EngineClient;
using sio::EngineClientOptions;
using sio::TlsOptions;

std::unique_ptr<EngineClient> make_engine_client(boost::asio::any_io_executor executor,
                                                 EngineClientOptions options);

}  // namespace sio::native
