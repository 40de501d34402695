// EngagementService end to end on a real Success server and database:
// activities, the timeline, NPS responses and feedback; the contract every
// RPC keeps (bad input refused with the field named and nothing written,
// idempotent creates, stale etags, other tenants' objects NOT_FOUND), and
// the loaders the account review reads.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem {
namespace {

using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;
using ::testing::ElementsAre;
namespace v1 = ::tandem::success::v1;
using Stub = v1::EngagementService::Stub;

constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
constexpr grpc::StatusCode kAborted = grpc::StatusCode::ABORTED;
constexpr char kMissingId[] = "01JABCDEFGHJKMNPQRSTVWXYZ0";

class EngagementTest : public ::testing::Test {
 protected:
  EngagementTest()
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        stub_(v1::EngagementService::NewStub(channel_)),
        accounts_(v1::SuccessService::NewStub(channel_)) {}

  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                    Response* response, const std::string& token = TestToken("acme", {"csm"})) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  template <typename Request, typename Response>
  void ExpectRefused(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                     grpc::StatusCode code, const std::string& field) {
    testing::ExpectRefused(*stub_, method, request, code, field, TestToken("acme", {"csm"}));
  }

  v1::Account NewAccount(const std::string& name, const std::string& tenant = "acme") {
    grpc::ClientContext context;
    Authorize(context, TestToken(tenant, {"csm"}));
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(name);
    v1::Account account;
    EXPECT_TRUE(accounts_->CreateAccount(&context, request, &account).ok());
    return account;
  }

  v1::Activity NewActivity(const std::string& account, v1::Activity::Kind kind, absl::Time at,
                           const std::string& tenant = "acme") {
    v1::CreateActivityRequest request;
    request.set_parent(account);
    request.mutable_activity()->set_kind(kind);
    request.mutable_activity()->set_subject("Talk");
    *request.mutable_activity()->mutable_activity_time() = ToProtoTime(at);
    v1::Activity activity;
    const grpc::Status status =
        Call(&Stub::CreateActivity, request, &activity, TestToken(tenant, {"csm"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return activity;
  }

  v1::Feedback NewFeedback(const std::string& title, std::vector<std::string> accounts,
                           const std::string& tenant = "acme") {
    v1::CreateFeedbackRequest request;
    request.mutable_feedback()->set_title(title);
    for (const std::string& account : accounts) request.mutable_feedback()->add_accounts(account);
    v1::Feedback feedback;
    const grpc::Status status =
        Call(&Stub::CreateFeedback, request, &feedback, TestToken(tenant, {"csm"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return feedback;
  }

  v1::NpsResponse NewNps(const std::string& account, int score, absl::Time at) {
    v1::RecordNpsResponseRequest request;
    request.set_parent(account);
    request.mutable_nps_response()->set_score(score);
    *request.mutable_nps_response()->mutable_response_time() = ToProtoTime(at);
    v1::NpsResponse response;
    const grpc::Status status = Call(&Stub::RecordNpsResponse, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  int64_t Count(const std::string& sql) { return testing::CountRows(server_.database.pool(), sql); }

  // Rows every write of this service touches, plus versions: nothing a
  // refused call does may change the sum.
  int64_t WrittenRows() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM activities) + (SELECT COALESCE(SUM(version), 0) FROM "
        "activities) + (SELECT COUNT(*) FROM nps_responses) + (SELECT COUNT(*) FROM feedback) + "
        "(SELECT COALESCE(SUM(version), 0) FROM feedback) + (SELECT COUNT(*) FROM "
        "feedback_accounts) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM "
        "idempotency_keys) + (SELECT COUNT(*) FROM account_reviews)");
  }

  testing::SuccessServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<v1::SuccessService::Stub> accounts_;
};

TEST_F(EngagementTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const v1::Account account = NewAccount("Acme");
  const v1::Account theirs = NewAccount("Globex", "globex");
  const v1::Activity activity = NewActivity(account.name(), v1::Activity::CALL, absl::Now());
  const v1::Feedback feedback = NewFeedback("Dark mode", {account.name()});
  const v1::Feedback their_feedback = NewFeedback("Light mode", {}, "globex");
  const std::string huge(20'000, 'x');
  const std::string missing_account = absl::StrCat("accounts/", kMissingId);
  const int64_t before = WrittenRows();

  {  // CreateActivity
    v1::CreateActivityRequest r;
    r.set_parent(account.name());
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity");
    r.mutable_activity()->set_subject("Kickoff");
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.kind");
    r.mutable_activity()->set_kind(static_cast<v1::Activity::Kind>(9));
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.kind");
    r.mutable_activity()->set_kind(v1::Activity::CALL);
    r.mutable_activity()->set_meeting_type(v1::Activity::QBR);
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.meeting_type");
    r.mutable_activity()->set_kind(v1::Activity::MEETING);
    r.mutable_activity()->set_subject("  ");
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.subject");
    r.mutable_activity()->set_subject("QBR");
    r.mutable_activity()->set_summary(huge);
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.summary");
    r.mutable_activity()->clear_summary();
    r.mutable_activity()->add_participants("");
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.participants[0]");
    r.mutable_activity()->clear_participants();
    *r.mutable_activity()->mutable_activity_time() = ToProtoTime(absl::Now() + absl::Hours(48));
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "activity.activity_time");
    r.mutable_activity()->clear_activity_time();
    r.set_request_id(std::string(129, 'a'));
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "request_id");
    r.clear_request_id();
    r.set_parent("accounts/nope");
    ExpectRefused(&Stub::CreateActivity, r, kInvalid, "parent");
    r.set_parent(missing_account);
    ExpectRefused(&Stub::CreateActivity, r, kNotFound, "");
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::CreateActivity, r, kNotFound, "");
  }
  {  // GetActivity
    v1::GetActivityRequest r;
    ExpectRefused(&Stub::GetActivity, r, kInvalid, "name");
    r.set_name("activities/1");
    ExpectRefused(&Stub::GetActivity, r, kInvalid, "name");
    r.set_name(absl::StrCat(theirs.name(), "/activities/", activity.name().substr(47)));
    ExpectRefused(&Stub::GetActivity, r, kNotFound, "");
  }
  {  // ListActivities
    v1::ListActivitiesRequest r;
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "parent");
    r.set_parent(account.name());
    r.set_filter("kind = LUNCH");
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "filter");
    r.set_filter("kind > CALL");
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "filter");
    r.set_filter("activity_time > \"yesterday\"");
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "filter");
    r.set_filter("colour = red");
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("subject");
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListActivities, r, kInvalid, "page_size");
    r.set_page_size(0);
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListActivities, r, kNotFound, "");
  }
  {  // UpdateActivity
    v1::UpdateActivityRequest r;
    *r.mutable_activity() = activity;
    ExpectRefused(&Stub::UpdateActivity, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("author");
    ExpectRefused(&Stub::UpdateActivity, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("subject");
    r.mutable_activity()->set_subject("");
    ExpectRefused(&Stub::UpdateActivity, r, kInvalid, "activity.subject");
    r.mutable_activity()->set_subject("ok");
    r.mutable_update_mask()->add_paths("meeting_type");
    r.mutable_activity()->set_meeting_type(v1::Activity::QBR);  // on a CALL
    ExpectRefused(&Stub::UpdateActivity, r, kInvalid, "activity.meeting_type");
    r.mutable_activity()->clear_meeting_type();
    r.mutable_activity()->set_name("nope");
    ExpectRefused(&Stub::UpdateActivity, r, kInvalid, "activity.name");
    r.mutable_activity()->set_name(absl::StrCat(theirs.name(), "/activities/", kMissingId));
    ExpectRefused(&Stub::UpdateActivity, r, kNotFound, "");
    r.mutable_activity()->set_name(activity.name());
    r.mutable_activity()->set_etag("stale");
    ExpectRefused(&Stub::UpdateActivity, r, kAborted, "");
  }
  {  // DeleteActivity
    v1::DeleteActivityRequest r;
    ExpectRefused(&Stub::DeleteActivity, r, kInvalid, "name");
    r.set_name(absl::StrCat(account.name(), "/activities/", kMissingId));
    ExpectRefused(&Stub::DeleteActivity, r, kNotFound, "");
    r.set_name(activity.name());
    r.set_etag("stale");
    ExpectRefused(&Stub::DeleteActivity, r, kAborted, "");
  }
  {  // ListTimeline
    v1::ListTimelineRequest r;
    ExpectRefused(&Stub::ListTimeline, r, kInvalid, "parent");
    r.set_parent("accounts/-");
    ExpectRefused(&Stub::ListTimeline, r, kInvalid, "parent");
    r.set_parent(account.name());
    r.set_filter("source = EMAIL");
    ExpectRefused(&Stub::ListTimeline, r, kInvalid, "filter");
    r.set_filter("time < \"soon\"");
    ExpectRefused(&Stub::ListTimeline, r, kInvalid, "filter");
    r.clear_filter();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListTimeline, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListTimeline, r, kNotFound, "");
  }
  {  // RecordNpsResponse
    v1::RecordNpsResponseRequest r;
    r.set_parent(account.name());
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response");
    r.mutable_nps_response()->set_comment("great");
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.score");
    r.mutable_nps_response()->set_score(11);
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.score");
    r.mutable_nps_response()->set_score(-1);
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.score");
    r.mutable_nps_response()->set_score(0);
    r.mutable_nps_response()->set_comment(huge);
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.comment");
    r.mutable_nps_response()->clear_comment();
    r.mutable_nps_response()->set_contact("contacts/1");
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.contact");
    r.mutable_nps_response()->set_contact(absl::StrCat(theirs.name(), "/contacts/", kMissingId));
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.contact");
    r.mutable_nps_response()->set_contact(absl::StrCat(account.name(), "/contacts/", kMissingId));
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.contact");
    r.mutable_nps_response()->clear_contact();
    *r.mutable_nps_response()->mutable_response_time() = ToProtoTime(absl::FromUnixSeconds(1000));
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "nps_response.response_time");
    r.mutable_nps_response()->clear_response_time();
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::RecordNpsResponse, r, kNotFound, "");
    r.set_parent("");
    ExpectRefused(&Stub::RecordNpsResponse, r, kInvalid, "parent");
  }
  {  // GetNpsResponse
    v1::GetNpsResponseRequest r;
    ExpectRefused(&Stub::GetNpsResponse, r, kInvalid, "name");
    r.set_name(absl::StrCat(account.name(), "/activities/", kMissingId));
    ExpectRefused(&Stub::GetNpsResponse, r, kInvalid, "name");
    r.set_name(absl::StrCat(account.name(), "/npsResponses/", kMissingId));
    ExpectRefused(&Stub::GetNpsResponse, r, kNotFound, "");
  }
  {  // ListNpsResponses
    v1::ListNpsResponsesRequest r;
    ExpectRefused(&Stub::ListNpsResponses, r, kInvalid, "parent");
    r.set_parent("accounts/-");
    r.set_filter("category = HAPPY");
    ExpectRefused(&Stub::ListNpsResponses, r, kInvalid, "filter");
    r.set_filter("score >= eleven");
    ExpectRefused(&Stub::ListNpsResponses, r, kInvalid, "filter");
    r.set_filter("score > 12");
    ExpectRefused(&Stub::ListNpsResponses, r, kInvalid, "filter");
    r.clear_filter();
    r.set_page_size(-5);
    ExpectRefused(&Stub::ListNpsResponses, r, kInvalid, "page_size");
    r.set_page_size(0);
    r.set_parent(theirs.name());
    ExpectRefused(&Stub::ListNpsResponses, r, kNotFound, "");
  }
  {  // CreateFeedback
    v1::CreateFeedbackRequest r;
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback");
    r.mutable_feedback()->set_description("x");
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.title");
    r.mutable_feedback()->set_title("SSO");
    r.mutable_feedback()->set_description(huge);
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.description");
    r.mutable_feedback()->clear_description();
    r.mutable_feedback()->set_source(v1::Feedback::SUPPORT_TICKET);
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.source");
    r.mutable_feedback()->set_source(static_cast<v1::Feedback::Source>(7));
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.source");
    r.mutable_feedback()->clear_source();
    r.mutable_feedback()->add_accounts(account.name());
    r.mutable_feedback()->add_accounts("acme");
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.accounts[1]");
    r.mutable_feedback()->set_accounts(1, theirs.name());
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.accounts[1]");
    // Duplicates are dropped before the lookup; the violation still names
    // the request's own index.
    r.mutable_feedback()->set_accounts(1, account.name());
    r.mutable_feedback()->add_accounts(theirs.name());
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "feedback.accounts[2]");
    r.mutable_feedback()->clear_accounts();
    r.set_request_id("no spaces allowed");
    ExpectRefused(&Stub::CreateFeedback, r, kInvalid, "request_id");
  }
  {  // GetFeedback
    v1::GetFeedbackRequest r;
    ExpectRefused(&Stub::GetFeedback, r, kInvalid, "name");
    r.set_name(their_feedback.name());
    ExpectRefused(&Stub::GetFeedback, r, kNotFound, "");
  }
  {  // ListFeedback
    v1::ListFeedbackRequest r;
    r.set_filter("status = DONE");
    ExpectRefused(&Stub::ListFeedback, r, kInvalid, "filter");
    r.set_filter("account = acme");
    ExpectRefused(&Stub::ListFeedback, r, kInvalid, "filter");
    r.set_filter("status > NEW");
    ExpectRefused(&Stub::ListFeedback, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("votes");
    ExpectRefused(&Stub::ListFeedback, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListFeedback, r, kInvalid, "page_token");
  }
  {  // UpdateFeedback
    v1::UpdateFeedbackRequest r;
    *r.mutable_feedback() = feedback;
    ExpectRefused(&Stub::UpdateFeedback, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("source");
    ExpectRefused(&Stub::UpdateFeedback, r, kInvalid, "update_mask");
    r.mutable_update_mask()->Clear();
    r.mutable_update_mask()->add_paths("status");
    r.mutable_feedback()->set_status(v1::Feedback::STATUS_UNSPECIFIED);
    ExpectRefused(&Stub::UpdateFeedback, r, kInvalid, "feedback.status");
    r.mutable_feedback()->set_status(v1::Feedback::PLANNED);
    r.mutable_update_mask()->add_paths("title");
    r.mutable_feedback()->set_title("");
    ExpectRefused(&Stub::UpdateFeedback, r, kInvalid, "feedback.title");
    r.mutable_feedback()->set_title("ok");
    r.mutable_feedback()->set_name(their_feedback.name());
    ExpectRefused(&Stub::UpdateFeedback, r, kNotFound, "");
    r.mutable_feedback()->set_name(feedback.name());
    r.mutable_feedback()->set_etag("stale");
    ExpectRefused(&Stub::UpdateFeedback, r, kAborted, "");
  }
  {  // AddFeedbackAccount
    v1::AddFeedbackAccountRequest r;
    ExpectRefused(&Stub::AddFeedbackAccount, r, kInvalid, "name");
    r.set_name(feedback.name());
    ExpectRefused(&Stub::AddFeedbackAccount, r, kInvalid, "account");
    r.set_account(theirs.name());
    ExpectRefused(&Stub::AddFeedbackAccount, r, kInvalid, "account");
    r.set_account(account.name());
    r.set_name(their_feedback.name());
    ExpectRefused(&Stub::AddFeedbackAccount, r, kNotFound, "");
  }
  EXPECT_EQ(WrittenRows(), before);
}

// Readers may read; only CSMs (and admins) write.
TEST_F(EngagementTest, ViewersReadButCannotWrite) {
  const v1::Account account = NewAccount("Acme");
  v1::CreateActivityRequest create;
  create.set_parent(account.name());
  create.mutable_activity()->set_kind(v1::Activity::NOTE);
  create.mutable_activity()->set_subject("Note");
  v1::Activity activity;
  EXPECT_EQ(
      Call(&Stub::CreateActivity, create, &activity, TestToken("acme", {"viewer"})).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::ListActivitiesRequest list;
  list.set_parent(account.name());
  v1::ListActivitiesResponse response;
  EXPECT_TRUE(Call(&Stub::ListActivities, list, &response, TestToken("acme", {"agent"})).ok());
}

// A retried create with the same request id returns the first result and
// writes nothing more.
TEST_F(EngagementTest, CreatesAreIdempotentByRequestId) {
  const v1::Account account = NewAccount("Acme");
  v1::CreateActivityRequest activity;
  activity.set_parent(account.name());
  activity.set_request_id("activity-1");
  activity.mutable_activity()->set_kind(v1::Activity::EMAIL);
  activity.mutable_activity()->set_subject("Renewal terms");
  v1::Activity first_activity, second_activity;
  ASSERT_TRUE(Call(&Stub::CreateActivity, activity, &first_activity).ok());
  ASSERT_TRUE(Call(&Stub::CreateActivity, activity, &second_activity).ok());
  EXPECT_EQ(first_activity.name(), second_activity.name());
  EXPECT_EQ(first_activity.etag(), second_activity.etag());

  v1::RecordNpsResponseRequest nps;
  nps.set_parent(account.name());
  nps.set_request_id("survey-42");
  nps.mutable_nps_response()->set_score(0);
  v1::NpsResponse first_nps, second_nps;
  ASSERT_TRUE(Call(&Stub::RecordNpsResponse, nps, &first_nps).ok());
  ASSERT_TRUE(Call(&Stub::RecordNpsResponse, nps, &second_nps).ok());
  EXPECT_EQ(first_nps.name(), second_nps.name());
  EXPECT_EQ(second_nps.score(), 0);
  EXPECT_EQ(second_nps.category(), v1::NpsResponse::DETRACTOR);

  v1::CreateFeedbackRequest feedback;
  feedback.set_request_id("fb-1");
  feedback.mutable_feedback()->set_title("SSO");
  feedback.mutable_feedback()->add_accounts(account.name());
  v1::Feedback first_feedback, second_feedback;
  ASSERT_TRUE(Call(&Stub::CreateFeedback, feedback, &first_feedback).ok());
  ASSERT_TRUE(Call(&Stub::CreateFeedback, feedback, &second_feedback).ok());
  EXPECT_EQ(first_feedback.name(), second_feedback.name());

  EXPECT_EQ(Count("SELECT COUNT(*) FROM activities"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM nps_responses"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM feedback"), 1);
  // The same id with a different request is refused.
  feedback.mutable_feedback()->set_title("SAML");
  v1::Feedback third;
  EXPECT_EQ(Call(&Stub::CreateFeedback, feedback, &third).error_code(), kInvalid);
}

// Updates take a FieldMask and the etag; a stale etag is ABORTED and a
// fresh one moves the etag on.
TEST_F(EngagementTest, UpdatesHonourMaskAndEtag) {
  const v1::Account account = NewAccount("Acme");
  const v1::Activity activity =
      NewActivity(account.name(), v1::Activity::MEETING, absl::Now() - absl::Hours(1));
  v1::UpdateActivityRequest update;
  *update.mutable_activity() = activity;
  update.mutable_activity()->set_meeting_type(v1::Activity::QBR);
  update.mutable_activity()->set_summary("not in the mask");
  update.mutable_update_mask()->add_paths("meeting_type");
  v1::Activity updated;
  ASSERT_TRUE(Call(&Stub::UpdateActivity, update, &updated).ok());
  EXPECT_EQ(updated.meeting_type(), v1::Activity::QBR);
  EXPECT_EQ(updated.summary(), "");
  EXPECT_NE(updated.etag(), activity.etag());
  v1::Activity stale;
  EXPECT_EQ(Call(&Stub::UpdateActivity, update, &stale).error_code(), kAborted);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE event_type = 'ActivityUpdated'"), 1);

  // Changing the kind away from MEETING drops the meeting type.
  *update.mutable_activity() = updated;
  update.mutable_activity()->set_kind(v1::Activity::CALL);
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("kind");
  ASSERT_TRUE(Call(&Stub::UpdateActivity, update, &updated).ok());
  EXPECT_EQ(updated.meeting_type(), v1::Activity::MEETING_TYPE_UNSPECIFIED);

  v1::DeleteActivityRequest remove;
  remove.set_name(activity.name());
  remove.set_etag(activity.etag());
  google::protobuf::Empty empty;
  EXPECT_EQ(Call(&Stub::DeleteActivity, remove, &empty).error_code(), kAborted);
  remove.set_etag(updated.etag());
  EXPECT_TRUE(Call(&Stub::DeleteActivity, remove, &empty).ok());
  v1::GetActivityRequest get;
  get.set_name(activity.name());
  v1::Activity gone;
  EXPECT_EQ(Call(&Stub::GetActivity, get, &gone).error_code(), kNotFound);

  const v1::Feedback feedback = NewFeedback("SSO", {});
  v1::UpdateFeedbackRequest status;
  *status.mutable_feedback() = feedback;
  status.mutable_feedback()->set_status(v1::Feedback::PLANNED);
  status.mutable_update_mask()->add_paths("status");
  v1::Feedback planned;
  ASSERT_TRUE(Call(&Stub::UpdateFeedback, status, &planned).ok());
  EXPECT_EQ(planned.status(), v1::Feedback::PLANNED);
  EXPECT_EQ(Call(&Stub::UpdateFeedback, status, &planned).error_code(), kAborted);
}

// Another tenant's activities, responses and feedback do not exist for the
// caller.
TEST_F(EngagementTest, OtherTenantsObjectsAreNotFound) {
  const v1::Account theirs = NewAccount("Globex", "globex");
  const v1::Activity activity =
      NewActivity(theirs.name(), v1::Activity::CALL, absl::Now(), "globex");
  v1::GetActivityRequest get;
  get.set_name(activity.name());
  v1::Activity found;
  EXPECT_EQ(Call(&Stub::GetActivity, get, &found).error_code(), kNotFound);
  EXPECT_TRUE(Call(&Stub::GetActivity, get, &found, TestToken("globex", {"viewer"})).ok());
  v1::ListActivitiesRequest all;
  all.set_parent("accounts/-");
  v1::ListActivitiesResponse listed;
  ASSERT_TRUE(Call(&Stub::ListActivities, all, &listed).ok());
  EXPECT_EQ(listed.activities_size(), 0);
  v1::ListFeedbackResponse feedback;
  NewFeedback("Theirs", {theirs.name()}, "globex");
  ASSERT_TRUE(Call(&Stub::ListFeedback, v1::ListFeedbackRequest(), &feedback).ok());
  EXPECT_EQ(feedback.feedback_size(), 0);
}

// Activities keep their own (past) times; lists page newest first by that
// time, stably, and filter by kind and meeting type.
TEST_F(EngagementTest, ActivitiesPageByTheirOwnTimeNewestFirst) {
  const v1::Account account = NewAccount("Acme");
  const absl::Time base = absl::Now() - absl::Hours(24 * 365);
  std::vector<std::string> expected;
  for (int i = 0; i < 7; ++i) {
    expected.push_back(NewActivity(account.name(),
                                   i % 2 == 0 ? v1::Activity::CALL : v1::Activity::NOTE,
                                   base + absl::Hours(24 * ((i * 5) % 7)))
                           .name());
  }
  v1::ListActivitiesRequest request;
  request.set_parent(account.name());
  request.set_page_size(3);
  std::vector<std::string> seen;
  std::vector<absl::Time> times;
  do {
    v1::ListActivitiesResponse page;
    ASSERT_TRUE(Call(&Stub::ListActivities, request, &page).ok());
    for (const v1::Activity& activity : page.activities()) {
      seen.push_back(activity.name());
      times.push_back(FromProtoTime(activity.activity_time()));
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend()));
  EXPECT_EQ(times.back(), absl::FromUnixMicros(absl::ToUnixMicros(base)));

  request.clear_page_token();
  request.set_page_size(0);
  request.set_filter("kind = NOTE");
  v1::ListActivitiesResponse notes;
  ASSERT_TRUE(Call(&Stub::ListActivities, request, &notes).ok());
  EXPECT_EQ(notes.activities_size(), 3);
}

// The timeline merges activities with support events, newest first, in
// pages, and can show one source.
TEST_F(EngagementTest, TimelineMergesActivitiesAndSupportEvents) {
  const v1::Account account = NewAccount("Acme");
  const std::string account_id = account.name().substr(9);
  const absl::Time now = absl::Now();
  NewActivity(account.name(), v1::Activity::MEETING, now - absl::Hours(3));
  NewActivity(account.name(), v1::Activity::CALL, now - absl::Hours(1));
  {
    auto db = server_.database.pool().Acquire(absl::Now() + absl::Seconds(5));
    ASSERT_OK(db.status());
    for (int i = 0; i < 2; ++i) {
      ASSERT_OK(
          (*db)
              ->Execute("INSERT INTO support_events (tenant_id, event_id, ticket_id, account_id, "
                        "event_type, ticket_subject, ticket_type, ticket_status, summary, "
                        "on_timeline, event_time) VALUES ('acme', ?, ?, ?, 'TicketCreated', "
                        "'Broken', 5, 1, 'New COMPLAINT ticket: Broken', TRUE, ?)",
                        {NewIdAt(now - absl::Hours(2 * i + 2)), NewId(), account_id,
                         now - absl::Hours(2 * i + 2)})
              .status());
    }
  }
  v1::ListTimelineRequest request;
  request.set_parent(account.name());
  request.set_page_size(3);
  std::vector<std::string> kinds;
  do {
    v1::ListTimelineResponse page;
    ASSERT_TRUE(Call(&Stub::ListTimeline, request, &page).ok());
    for (const v1::TimelineEntry& entry : page.entries()) {
      kinds.push_back(entry.has_activity() ? v1::Activity::Kind_Name(entry.activity().kind())
                                           : entry.support_event().ticket_type());
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_THAT(kinds, ElementsAre("CALL", "COMPLAINT", "MEETING", "COMPLAINT"));

  request.set_filter("source = SUPPORT");
  request.set_page_size(0);
  v1::ListTimelineResponse support_only;
  ASSERT_TRUE(Call(&Stub::ListTimeline, request, &support_only).ok());
  ASSERT_EQ(support_only.entries_size(), 2);
  EXPECT_EQ(support_only.entries(0).support_event().summary(), "New COMPLAINT ticket: Broken");
}

// Feedback ranks by the summed ARR of the accounts asking, live from their
// MRR: adding an account or a change of MRR reorders the list.
TEST_F(EngagementTest, FeedbackRanksByTheArrOfTheAccountsAsking) {
  const v1::Account small = NewAccount("Small");
  const v1::Account big = NewAccount("Big");
  const v1::Account mid = NewAccount("Mid");
  {
    auto db = server_.database.pool().Acquire(absl::Now() + absl::Seconds(5));
    ASSERT_OK(db.status());
    ASSERT_OK((*db)
                  ->Execute("UPDATE accounts SET mrr_minor = CASE id WHEN ? THEN 1000 "
                            "WHEN ? THEN 90000 ELSE 5000 END",
                            {small.name().substr(9), big.name().substr(9)})
                  .status());
  }
  const v1::Feedback sso = NewFeedback("SSO", {small.name(), mid.name()});
  const v1::Feedback api = NewFeedback("API", {big.name()});
  const v1::Feedback none = NewFeedback("Themes", {});
  auto titles = [&](int page_size) {
    v1::ListFeedbackRequest request;
    request.set_page_size(page_size);
    std::vector<std::string> out;
    do {
      v1::ListFeedbackResponse page;
      EXPECT_TRUE(Call(&Stub::ListFeedback, request, &page).ok());
      for (const v1::Feedback& item : page.feedback()) out.push_back(item.title());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return out;
  };
  EXPECT_THAT(titles(2), ElementsAre("API", "SSO", "Themes"));

  v1::AddFeedbackAccountRequest add;
  add.set_name(sso.name());
  add.set_account(big.name());
  v1::Feedback added;
  ASSERT_TRUE(Call(&Stub::AddFeedbackAccount, add, &added).ok());
  EXPECT_EQ(added.requested_arr_minor(), 12 * (1000 + 5000 + 90000));
  EXPECT_EQ(added.accounts_size(), 3);
  v1::Feedback again;
  ASSERT_TRUE(Call(&Stub::AddFeedbackAccount, add, &again).ok());
  EXPECT_EQ(again.etag(), added.etag());  // already asking: nothing changes
  EXPECT_THAT(titles(1), ElementsAre("SSO", "API", "Themes"));

  v1::ListFeedbackRequest by_account;
  by_account.set_filter(absl::StrCat("account = \"", mid.name(), "\""));
  v1::ListFeedbackResponse asked;
  ASSERT_TRUE(Call(&Stub::ListFeedback, by_account, &asked).ok());
  ASSERT_EQ(asked.feedback_size(), 1);
  EXPECT_EQ(asked.feedback(0).name(), sso.name());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE event_type = 'FeedbackUpdated'"), 1);
}

// An NPS response keeps its time, is categorised, writes NpsRecorded with
// the account's tier/plan/owner, queues a review, and is what the review's
// engagement loader reports; only meetings, calls and e-mails count as
// engagement.
TEST_F(EngagementTest, NpsAndActivitiesFeedTheEngagementSignals) {
  const v1::Account account = NewAccount("Acme");
  const std::string account_id = account.name().substr(9);
  const absl::Time past = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) - 86400 * 40);
  NewNps(account.name(), 9, past - absl::Hours(24));
  const v1::NpsResponse latest = NewNps(account.name(), 4, past);
  EXPECT_EQ(latest.category(), v1::NpsResponse::DETRACTOR);
  EXPECT_EQ(FromProtoTime(latest.response_time()), past);
  NewActivity(account.name(), v1::Activity::EMAIL, past + absl::Hours(1));
  NewActivity(account.name(), v1::Activity::NOTE, past + absl::Hours(2));

  success::EngagementSignals signals;
  ASSERT_OK(mysql::RunInTransaction(
      server_.database.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
        return success::LoadEngagementSignals(tx, "acme", account_id, absl::Now(), signals);
      }));
  EXPECT_EQ(signals.latest_nps, 4);
  EXPECT_EQ(signals.latest_nps_time, past);
  EXPECT_EQ(signals.latest_nps_response, latest.name());
  EXPECT_EQ(signals.last_engagement_time, past + absl::Hours(1));
  EXPECT_EQ(Count(absl::StrCat("SELECT COUNT(*) FROM account_reviews WHERE account_id = '",
                               account_id, "'")),
            1);

  ASSERT_OK(server_.outbox.SequencePending(1000).status());
  ASSERT_OK_AND_ASSIGN(std::vector<common::v1::Event> events,
                       server_.outbox.Read(0, 1000, "acme", absl::InfiniteFuture()));
  v1::NpsRecorded event;
  for (const common::v1::Event& candidate : events) {
    if (candidate.type() == "NpsRecorded") {
      ASSERT_TRUE(candidate.payload().UnpackTo(&event));
    }
  }
  EXPECT_EQ(event.account(), account.name());
  EXPECT_EQ(event.category(), v1::NpsResponse::DETRACTOR);
  EXPECT_EQ(event.account_tier(), account.touch_tier());
  EXPECT_EQ(event.nps_response().score(), 4);

  v1::ListNpsResponsesRequest detractors;
  detractors.set_parent("accounts/-");
  detractors.set_filter("category = DETRACTOR");
  v1::ListNpsResponsesResponse listed;
  ASSERT_TRUE(Call(&Stub::ListNpsResponses, detractors, &listed).ok());
  ASSERT_EQ(listed.nps_responses_size(), 1);
  EXPECT_EQ(listed.nps_responses(0).name(), latest.name());
}

}  // namespace
}  // namespace tandem
