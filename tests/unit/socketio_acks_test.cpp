// AckTable: ids, resolution, deadlines, failure, re-entrancy.
#include "sio/socketio/acks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using sio::Errc;
using sio::json;
using sio::socketio::AckTable;

namespace {

struct Record {
  std::optional<sio::Error> error;
  json args;
};

AckTable::Callback recorder(std::vector<Record>& out) {
  return [&out](std::optional<sio::Error> e, json a) { out.push_back({std::move(e), std::move(a)}); };
}

const AckTable::TimePoint t0{};

}  // namespace

TEST(AckTable, IdsStartAtZeroAndIncrease) {
  AckTable t;
  std::vector<Record> r;
  EXPECT_EQ(t.add(recorder(r)), 0u);
  EXPECT_EQ(t.add(recorder(r)), 1u);
  EXPECT_EQ(t.add(recorder(r)), 2u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.next_id(), 3u);
}

TEST(AckTable, ResolveCallsOnceAndRejectsDuplicatesAndUnknown) {
  AckTable t;
  std::vector<Record> r;
  auto id = t.add(recorder(r));
  EXPECT_TRUE(t.resolve(id, json::array({1, "a"})));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].error);
  EXPECT_EQ(r[0].args, json::array({1, "a"}));
  EXPECT_FALSE(t.resolve(id, json::array()));
  EXPECT_FALSE(t.resolve(42, json::array()));
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(AckTable, NonArrayArgsAreWrapped) {
  AckTable t;
  std::vector<Record> r;
  t.resolve(t.add(recorder(r)), json("x"));
  t.resolve(t.add(recorder(r)), json(json::value_t::discarded));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].args, json::array({"x"}));
  EXPECT_EQ(r[1].args, json::array());
}

TEST(AckTable, DeadlinesFireInOrderWithTimeout) {
  AckTable t;
  std::vector<Record> r;
  std::vector<std::uint64_t> order;
  auto a = t.add([&](auto e, auto) { order.push_back(0); EXPECT_EQ(e->code, Errc::timeout); }, t0 + 300ms);
  auto b = t.add([&](auto e, auto) { order.push_back(1); EXPECT_EQ(e->code, Errc::timeout); }, t0 + 100ms);
  auto c = t.add(recorder(r));  // no deadline
  (void)a; (void)b; (void)c;
  ASSERT_TRUE(t.next_timeout());
  EXPECT_EQ(*t.next_timeout(), t0 + 100ms);
  t.handle_timeout(t0 + 99ms);
  EXPECT_TRUE(order.empty());
  t.handle_timeout(t0 + 100ms);
  EXPECT_EQ(order, std::vector<std::uint64_t>({1}));
  EXPECT_EQ(*t.next_timeout(), t0 + 300ms);
  t.handle_timeout(t0 + 1s);
  EXPECT_EQ(order, std::vector<std::uint64_t>({1, 0}));
  EXPECT_FALSE(t.next_timeout());
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(r.empty());
}

TEST(AckTable, ResolvedEntryNoLongerTimesOut) {
  AckTable t;
  std::vector<Record> r;
  auto id = t.add(recorder(r), t0 + 10ms);
  EXPECT_TRUE(t.resolve(id, json::array()));
  EXPECT_FALSE(t.next_timeout());
  t.handle_timeout(t0 + 1s);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].error);
}

TEST(AckTable, FailAllFailsEverythingWithTheError) {
  AckTable t;
  std::vector<Record> r;
  t.add(recorder(r), t0 + 1s);
  t.add(recorder(r));
  t.fail_all(sio::make_error(Errc::disconnected, "socket has been disconnected"));
  ASSERT_EQ(r.size(), 2u);
  for (auto& rec : r) {
    ASSERT_TRUE(rec.error);
    EXPECT_EQ(rec.error->code, Errc::disconnected);
    EXPECT_EQ(rec.args, json::array());
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.next_timeout());
  // ids keep increasing after a failure
  EXPECT_EQ(t.add(recorder(r)), 2u);
}

TEST(AckTable, CallbackMayReenterTheTable) {
  AckTable t;
  std::vector<Record> r;
  std::uint64_t inner = 0;
  auto outer = t.add([&](auto, auto) {
    EXPECT_FALSE(t.contains(0));  // removed before the call
    inner = t.add(recorder(r));
    EXPECT_TRUE(t.resolve(inner, json::array({"nested"})));
  });
  EXPECT_TRUE(t.resolve(outer, json::array()));
  EXPECT_EQ(inner, 1u);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].args, json::array({"nested"}));
}

TEST(AckTable, FailAllKeepsEntriesAddedByCallbacks) {
  AckTable t;
  std::vector<Record> r;
  t.add([&](auto, auto) { t.add(recorder(r)); });
  t.add([&](auto, auto) { t.fail_all(sio::make_error(Errc::disconnected)); });  // nested fail_all
  t.fail_all(sio::make_error(Errc::disconnected));
  // The entry added by the first callback was failed by the nested fail_all of the second.
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(AckTable, TimeoutCallbackAddingExpiredEntryDoesNotLoop) {
  AckTable t;
  int fired = 0;
  std::function<void(std::optional<sio::Error>, json)> again;
  again = [&](std::optional<sio::Error>, json) {
    ++fired;
    t.add(again, t0);  // already expired
  };
  t.add(again, t0);
  t.handle_timeout(t0 + 1ms);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(t.size(), 1u);
  t.handle_timeout(t0 + 1ms);
  EXPECT_EQ(fired, 2);
}

TEST(AckTable, FailAndCancel) {
  AckTable t;
  std::vector<Record> r;
  auto a = t.add(recorder(r), t0 + 5ms);
  auto b = t.add(recorder(r), t0 + 5ms);
  EXPECT_TRUE(t.cancel(a));
  EXPECT_FALSE(t.cancel(a));
  EXPECT_TRUE(t.fail(b, sio::make_error(Errc::timeout)));
  EXPECT_FALSE(t.fail(b, sio::make_error(Errc::timeout)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error->code, Errc::timeout);
  EXPECT_FALSE(t.next_timeout());
}
