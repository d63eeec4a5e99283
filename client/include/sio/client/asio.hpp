// sio/client/asio.hpp - native extras of the client (sio/client.hpp) for asio programs. Native only.
//
//   sio::Options o;
//   o.executor = sio::asio_executor(ctx.get_executor());   // run the Manager on your io_context
//   json r = co_await sio::async_emit_with_ack(socket->timeout(5s), "ev", json::array({1}),
//                                              boost::asio::use_awaitable);
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include "sio/client.hpp"

namespace sio {

// Options::executor: the Manager runs on a strand of `executor` (no thread of the library's).
Executor asio_executor(boost::asio::any_io_executor executor);

// The Manager's loop as an asio executor (its strand).
boost::asio::any_io_executor executor_of(const Manager& manager);

// Completion-token emit, signature void(std::exception_ptr, json): the ack's arguments, or an
// AckError (thrown from co_await with use_awaitable). The handler runs on its associated executor
// (by default the Manager's).
template <class CompletionToken>
auto async_emit_with_ack(Emitter emitter, std::string event, json args, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, json)>(
      [](auto handler, Emitter self, std::string ev, json a) {
        using Handler = decltype(handler);
        auto fallback = executor_of(*self.socket()->io());
        auto h = std::make_shared<Handler>(std::move(handler));
        self.emit_array(std::move(ev), std::move(a), [h, fallback](std::optional<Error> error, json result) {
          auto ex = boost::asio::get_associated_executor(*h, fallback);
          boost::asio::post(ex, [h, error = std::move(error), result = std::move(result)]() mutable {
            if (error) {
              (*h)(std::make_exception_ptr(AckError(*error)), json());
            } else {
              (*h)(std::exception_ptr(), std::move(result));
            }
          });
        });
      },
      token, std::move(emitter), std::move(event), std::move(args));
}

template <class CompletionToken>
auto async_emit_with_ack(Socket& socket, std::string event, json args, CompletionToken&& token) {
  return async_emit_with_ack(socket.emitter(), std::move(event), std::move(args),
                             std::forward<CompletionToken>(token));
}

}  // namespace sio
