// The outbox, the EventFeed server and the consumer, end to end on real
// MariaDB databases and a real gRPC server on a free port.
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include <google/protobuf/wrappers.pb.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/feed/consumer.h"
#include "common/feed/feed_service.h"
#include "common/feed/outbox.h"
#include "common/server.h"
#include "common/status.h"
#include "common_migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem::feed {
namespace {

using ::tandem::common::v1::Event;
using ::tandem::common::v1::EventFeed;
using ::tandem::testing::Authorize;
using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;
using ::tandem::testing::TestToken;

google::protobuf::StringValue Text(const std::string& value) {
  google::protobuf::StringValue message;
  message.set_value(value);
  return message;
}

// Records every applied event; a second application of one event id would
// hit the primary key and fail the consumer's transaction.
class RecordingApplier final : public EventApplier {
 public:
  absl::Status Apply(mysql::Transaction& tx, const Event& event) override {
    google::protobuf::StringValue payload;
    if (!event.payload().UnpackTo(&payload)) return absl::InternalError("bad payload");
    return tx->Execute("INSERT INTO seen (event_id, cursor_pos, tenant_id, body) VALUES (?, ?, ?, ?)",
                       {event.event_id(), event.cursor(), event.tenant(), payload.value()})
        .status();
  }
};

class EventFeedTest : public ::testing::Test {
 protected:
  static constexpr int kMaxWatches = 3;

  void SetUp() override {
    producer_.Migrate({CommonMigrations()});
    consumer_db_.Migrate({CommonMigrations()});
    ASSERT_OK_AND_ASSIGN(auto db, consumer_db_.pool().Acquire());
    ASSERT_OK(db->ExecuteDirect("CREATE TABLE seen (event_id CHAR(26) PRIMARY KEY, "
                                "cursor_pos BIGINT NOT NULL UNIQUE, tenant_id VARCHAR(64), "
                                "body LONGTEXT)"));
    outbox_ = std::make_unique<Outbox>(&producer_.pool());
    auth_ = testing::TestAuthenticator();
    service_ = std::make_unique<EventFeedService>(auth_.get(), outbox_.get(), kMaxWatches);
    server_ = std::make_unique<ServerRunner>(ServerOptions{.name = "feed-test"});
    server_->AddService(service_.get());
    server_->OnShutdown([this] { outbox_->Stop(); });
    ASSERT_OK(server_->Start());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override { server_->Shutdown(); }

  // Appends one event about things/<body> in its own transaction; its
  // payload is `payload`, or `body` when empty.
  void Write(const std::string& tenant, const std::string& body,
             const std::string& payload = "") {
    ASSERT_OK(mysql::RunInTransaction(
        producer_.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
          return outbox_->Append(tx, tenant, "things/" + body,
                                 Text(payload.empty() ? body : payload), absl::Now());
        }));
  }

  std::unique_ptr<FeedConsumer> MakeConsumer(int page_size = 50) {
    ConsumerOptions options{.feed = "producer", .page_size = page_size,
                            .poll_interval = absl::Milliseconds(20)};
    return std::make_unique<FeedConsumer>(
        options, EventFeed::NewStub(channel_),
        [] { return absl::StatusOr<std::string>(TestToken("*", {"service"})); },
        &consumer_db_.pool(), &applier_);
  }

  std::vector<mysql::Row> Seen() {
    auto db = consumer_db_.pool().Acquire();
    EXPECT_OK(db);
    auto rows = (*db)->Query("SELECT cursor_pos, body, tenant_id FROM seen ORDER BY cursor_pos");
    EXPECT_OK(rows);
    return rows.ok() ? *rows : std::vector<mysql::Row>{};
  }

  absl::StatusOr<std::vector<Event>> ListEvents(const std::string& token, int64_t after) {
    grpc::ClientContext context;
    Authorize(context, token);
    common::v1::ListEventsRequest request;
    request.set_after_cursor(after);
    common::v1::ListEventsResponse response;
    grpc::Status status = EventFeed::NewStub(channel_)->ListEvents(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return std::vector<Event>(response.events().begin(), response.events().end());
  }

  TestDatabase producer_{"feed_producer"};
  TestDatabase consumer_db_{"feed_consumer"};
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<EventFeedService> service_;
  std::unique_ptr<ServerRunner> server_;
  std::shared_ptr<grpc::Channel> channel_;
  RecordingApplier applier_;
};

// An event whose transaction commits after a later one is sequenced after
// it, so a reader that already passed the later one still gets it. The
// later one waits a moment (the grace period) for the open transaction,
// then goes ahead without it.
TEST_F(EventFeedTest, LateCommitWithLowerIdIsNotSkipped) {
  ASSERT_OK_AND_ASSIGN(mysql::Transaction slow,
                       mysql::Transaction::Begin(producer_.pool(), absl::InfiniteFuture()));
  ASSERT_OK(outbox_->Append(slow, "acme", "things/slow", Text("slow"), absl::Now()));
  Write("acme", "fast");
  ASSERT_OK_AND_ASSIGN(int held_back, outbox_->SequencePending());
  EXPECT_EQ(held_back, 0);
  absl::SleepFor(absl::Milliseconds(400));
  ASSERT_OK_AND_ASSIGN(int first_batch, outbox_->SequencePending());
  EXPECT_EQ(first_batch, 1);
  const std::string token = TestToken("*", {"service"});
  ASSERT_OK_AND_ASSIGN(auto seen, ListEvents(token, 0));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].subject(), "things/fast");
  EXPECT_EQ(seen[0].cursor(), 1);

  ASSERT_OK(slow.Commit());
  ASSERT_OK_AND_ASSIGN(int second_batch, outbox_->SequencePending());
  EXPECT_EQ(second_batch, 1);
  ASSERT_OK_AND_ASSIGN(auto after, ListEvents(token, 1));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].subject(), "things/slow");
  EXPECT_EQ(after[0].cursor(), 2);
  EXPECT_EQ(after[0].type(), "StringValue");
}

// A rolled-back transaction leaves no event and no gap.
TEST_F(EventFeedTest, RolledBackEventLeavesNoGap) {
  {
    ASSERT_OK_AND_ASSIGN(mysql::Transaction tx,
                         mysql::Transaction::Begin(producer_.pool(), absl::InfiniteFuture()));
    ASSERT_OK(outbox_->Append(tx, "acme", "things/never", Text("never"), absl::Now()));
  }
  Write("acme", "kept");
  ASSERT_OK(outbox_->SequencePending());
  ASSERT_OK_AND_ASSIGN(auto events, ListEvents(TestToken("*", {"service"}), 0));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].cursor(), 1);
}

// With many concurrent writers, some committing late, and a consumer
// running alongside, the consumer applies every event exactly once, in
// cursor order, with no gap, and each writer's events in its own order.
TEST_F(EventFeedTest, ConsumerGetsEveryEventOnceInOrderUnderConcurrentWriters) {
  constexpr int kWriters = 8;
  constexpr int kEventsEach = 60;
  outbox_->Start(absl::Milliseconds(20));
  std::unique_ptr<FeedConsumer> consumer = MakeConsumer(/*page_size=*/37);
  consumer->Start();
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < kEventsEach; ++i) {
        absl::Status status = mysql::RunInTransaction(
            producer_.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
              absl::Status appended = outbox_->Append(tx, "acme", absl::StrCat("things/", w),
                                                      Text(absl::StrCat(w, ":", i)), absl::Now());
              // Hold some transactions open so later writers commit first.
              if (rng() % 4 == 0) absl::SleepFor(absl::Milliseconds(rng() % 15));
              return appended;
            });
        if (!status.ok()) ++failures;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_EQ(failures, 0);

  const int expected = kWriters * kEventsEach;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  std::vector<mysql::Row> seen;
  while (absl::Now() < give_up) {
    seen = Seen();
    if (static_cast<int>(seen.size()) >= expected) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  consumer->Stop();
  ASSERT_EQ(static_cast<int>(seen.size()), expected);
  std::map<int, int> next_of_writer;
  for (int i = 0; i < expected; ++i) {
    EXPECT_EQ(seen[i].Int(0), i + 1) << "gap or reorder at position " << i;
    const std::string& body = seen[i].String(1);
    const int writer = std::stoi(body.substr(0, body.find(':')));
    const int index = std::stoi(body.substr(body.find(':') + 1));
    EXPECT_EQ(index, next_of_writer[writer]) << "writer " << writer << " out of order";
    next_of_writer[writer] = index + 1;
  }
  ASSERT_OK_AND_ASSIGN(FeedPosition position,
                       FeedConsumer::Position(consumer_db_.pool(), "producer", absl::InfiniteFuture()));
  EXPECT_EQ(position.cursor, expected);
  EXPECT_EQ(position.head_cursor, expected);
  EXPECT_TRUE(position.last_error.empty());
}

// A consumer that stops halfway and a new one that starts later together
// apply every event once.
TEST_F(EventFeedTest, RestartedConsumerResumesWithoutLossOrDuplicates) {
  for (int i = 0; i < 50; ++i) Write("acme", absl::StrCat("e", i));
  ASSERT_OK(outbox_->SequencePending());
  {
    std::unique_ptr<FeedConsumer> first = MakeConsumer(/*page_size=*/20);
    ASSERT_OK_AND_ASSIGN(int applied, first->PollOnce());
    EXPECT_EQ(applied, 20);
  }
  std::unique_ptr<FeedConsumer> second = MakeConsumer(/*page_size=*/20);
  int total = 0;
  for (int polls = 0; polls < 10; ++polls) {
    ASSERT_OK_AND_ASSIGN(int applied, second->PollOnce());
    if (applied == 0) break;
    total += applied;
  }
  EXPECT_EQ(total, 30);
  std::vector<mysql::Row> seen = Seen();
  ASSERT_EQ(seen.size(), 50u);
  EXPECT_EQ(seen.back().Int(0), 50);
}

// A consumer whose producer is down records the error and recovers.
TEST_F(EventFeedTest, ConsumerRecordsUnreachableProducer) {
  ConsumerOptions options{.feed = "nowhere", .call_timeout = absl::Milliseconds(300)};
  FeedConsumer consumer(options,
                        EventFeed::NewStub(grpc::CreateChannel("127.0.0.1:1",
                                                               grpc::InsecureChannelCredentials())),
                        [] { return absl::StatusOr<std::string>(TestToken("*", {"service"})); },
                        &consumer_db_.pool(), &applier_);
  EXPECT_THAT(consumer.PollOnce(), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(FeedPosition position,
                       FeedConsumer::Position(consumer_db_.pool(), "nowhere", absl::InfiniteFuture()));
  EXPECT_FALSE(position.last_error.empty());
}

// A tenant admin reads only its tenant's events; other roles are refused.
TEST_F(EventFeedTest, FeedIsScopedByTenantAndRole) {
  Write("acme", "a1");
  Write("globex", "g1");
  Write("acme", "a2");
  ASSERT_OK(outbox_->SequencePending());
  ASSERT_OK_AND_ASSIGN(auto acme, ListEvents(TestToken("acme", {"admin"}), 0));
  ASSERT_EQ(acme.size(), 2u);
  EXPECT_EQ(acme[0].tenant(), "acme");
  EXPECT_EQ(acme[1].cursor(), 3);
  ASSERT_OK_AND_ASSIGN(auto all, ListEvents(TestToken("*", {"service"}), 0));
  EXPECT_EQ(all.size(), 3u);
  EXPECT_THAT(ListEvents(TestToken("acme", {"viewer"}), 0),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(ListEvents("", 0), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(ListEvents(TestToken("*", {"service"}), -5),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Pages stop at a byte budget, so large events never make a page too big
// to send, and a consumer still gets every one.
TEST_F(EventFeedTest, LargeEventsArePagedByBytes) {
  const std::string big(150 * 1024, 'x');
  for (int i = 0; i < 30; ++i) Write("acme", absl::StrCat("big", i), big);
  ASSERT_OK(outbox_->SequencePending());
  ASSERT_OK_AND_ASSIGN(auto page, ListEvents(TestToken("*", {"service"}), 0));
  EXPECT_GE(page.size(), 1u);
  EXPECT_LT(page.size(), 30u);
  std::unique_ptr<FeedConsumer> consumer = MakeConsumer(/*page_size=*/200);
  int total = 0;
  for (int polls = 0; polls < 40 && total < 30; ++polls) {
    ASSERT_OK_AND_ASSIGN(int applied, consumer->PollOnce());
    total += applied;
  }
  EXPECT_EQ(total, 30);
}

// A tenant's watch waits quietly while other tenants write, and still gets
// its own events.
TEST_F(EventFeedTest, TenantWatchSeesOnlyItsEventsAmongOthers) {
  outbox_->Start(absl::Milliseconds(20));
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"admin"}), absl::Seconds(20));
  auto stream = EventFeed::NewStub(channel_)->WatchEvents(&context, {});
  for (int i = 0; i < 20; ++i) Write("globex", absl::StrCat("g", i));
  absl::SleepFor(absl::Milliseconds(200));  // the stream has caught up with globex
  const int64_t before = outbox_->reads();
  absl::SleepFor(absl::Milliseconds(500));
  // Waiting is not polling: a read per wake-up (about one per 500 ms), not
  // one per loop turn.
  EXPECT_LT(outbox_->reads() - before, 5);
  Write("acme", "mine");
  Event event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.subject(), "things/mine");
  EXPECT_EQ(event.tenant(), "acme");
  context.TryCancel();
}

// Streams beyond the limit are refused with a retry hint; ListEvents still works.
TEST_F(EventFeedTest, TooManyWatchesAreResourceExhausted) {
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<Event>>> streams;
  auto stub = EventFeed::NewStub(channel_);
  for (int i = 0; i < kMaxWatches + 1; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    Authorize(*contexts.back(), TestToken("*", {"service"}), absl::Seconds(10));
    streams.push_back(stub->WatchEvents(contexts.back().get(), {}));
  }
  Write("acme", "one");
  ASSERT_OK(outbox_->SequencePending());
  int refused = 0;
  for (int i = 0; i < kMaxWatches + 1; ++i) {
    Event event;
    if (streams[i]->Read(&event)) continue;
    grpc::Status status = streams[i]->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    ++refused;
  }
  EXPECT_EQ(refused, 1);
  for (auto& context : contexts) context->TryCancel();
  EXPECT_OK(ListEvents(TestToken("*", {"service"}), 0));
}

// WatchEvents sends what exists, then new events as they are sequenced,
// and ends when the server stops.
TEST_F(EventFeedTest, WatchStreamsExistingThenNewEvents) {
  Write("acme", "before");
  outbox_->Start(absl::Milliseconds(20));
  grpc::ClientContext context;
  Authorize(context, TestToken("*", {"service"}), absl::Seconds(20));
  common::v1::WatchEventsRequest request;
  auto stream = EventFeed::NewStub(channel_)->WatchEvents(&context, request);
  Event event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.subject(), "things/before");
  Write("acme", "after");
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.subject(), "things/after");
  EXPECT_EQ(event.cursor(), 2);
  server_->Shutdown();
  while (stream->Read(&event)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace tandem::feed
