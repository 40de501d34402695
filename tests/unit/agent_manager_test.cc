#include "services/support/agent_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "tests/testing/mocks.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::MockAgentStore;
using ::tandem::testing::StatusIs;
using ::testing::_;
using ::testing::Invoke;
using ::testing::UnorderedElementsAre;

constexpr char kAgentName[] = "agents/01JABCDEFGHJKMNPQRSTVWXYZ0";
constexpr char kGroupA[] = "groups/01JABCDEFGHJKMNPQRSTVWXYZ1";
constexpr char kGroupB[] = "groups/01JABCDEFGHJKMNPQRSTVWXYZ2";

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& violation : FieldViolationsOf(status))
    fields.push_back(violation.field);
  return fields;
}

class AgentManagerTest : public ::testing::Test {
 protected:
  AgentManagerTest()
      : clock_(absl::FromUnixSeconds(1'790'000'000)),
        codec_("key"),
        manager_(&store_, &codec_, &clock_) {
    // The store echoes what it is asked to create.
    ON_CALL(store_, CreateAgent(_, _, _, _))
        .WillByDefault(Invoke([](const std::string&, const v1::Agent& agent, const CreateKey&,
                                 absl::Time) { return agent; }));
    ON_CALL(store_, CreateGroup(_, _, _, _))
        .WillByDefault(Invoke([](const std::string&, const v1::Group& group, const CreateKey&,
                                 absl::Time) { return group; }));
    // Updates run the decision on `current_`, as the real store does
    // under its lock.
    ON_CALL(store_, UpdateAgent(_, _, _, _))
        .WillByDefault(
            Invoke([this](const std::string&, const std::string&, const AgentUpdateDecision& decide,
                          absl::Time) -> absl::StatusOr<v1::Agent> {
              ASSIGN_OR_RETURN(AgentUpdate update, decide(current_, "next-etag"));
              changed_ = update.changed;
              return update.agent;
            }));
    current_.set_name(kAgentName);
    current_.set_display_name("Ada");
    current_.set_email("ada@example.com");
    current_.set_user("user-ada");
    current_.set_availability(v1::Agent::AVAILABLE);
    current_.set_etag("etag-1");
  }

  static Principal Admin() { return {"acme", "boss", {"admin"}}; }
  static Principal AgentUser(const std::string& subject) { return {"acme", subject, {"agent"}}; }

  static v1::CreateAgentRequest CreateRequest() {
    v1::CreateAgentRequest request;
    request.mutable_agent()->set_display_name("  Ada Lovelace ");
    request.mutable_agent()->set_email("ada@example.com");
    return request;
  }

  static v1::UpdateAgentRequest Availability(v1::Agent::Availability availability) {
    v1::UpdateAgentRequest request;
    request.mutable_agent()->set_name(kAgentName);
    request.mutable_agent()->set_availability(availability);
    request.mutable_update_mask()->add_paths("availability");
    return request;
  }

  FakeClock clock_;
  PageTokenCodec codec_;
  ::testing::StrictMock<MockAgentStore> store_;
  AgentManager manager_;
  v1::Agent current_;
  bool changed_ = false;
};

// Every bad field is reported at once, and nothing is stored.
TEST_F(AgentManagerTest, InvalidCreateReportsEveryFieldAndStoresNothing) {
  v1::CreateAgentRequest request;
  v1::Agent& agent = *request.mutable_agent();
  agent.set_display_name(std::string(201, 'x'));
  agent.set_email("not an email");
  agent.set_user("has space");
  agent.set_availability(static_cast<v1::Agent::Availability>(9));
  agent.set_capacity(-1);
  agent.add_groups("teams/01JABCDEFGHJKMNPQRSTVWXYZ1");
  request.set_request_id("bad id!");
  absl::StatusOr<v1::Agent> created =
      manager_.CreateAgent(Admin(), request, absl::InfiniteFuture());
  EXPECT_THAT(created, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolatedFields(created.status()),
              UnorderedElementsAre("request_id", "agent.display_name", "agent.email", "agent.user",
                                   "agent.availability", "agent.capacity", "agent.groups[0]"));
}

// Required fields missing: the agent itself, or its name and e-mail.
TEST_F(AgentManagerTest, MissingRequiredFieldsAreNamed) {
  EXPECT_THAT(ViolatedFields(manager_.CreateAgent(Admin(), {}, absl::InfiniteFuture()).status()),
              UnorderedElementsAre("agent"));
  v1::CreateAgentRequest request;
  request.mutable_agent()->set_display_name("   ");
  EXPECT_THAT(
      ViolatedFields(manager_.CreateAgent(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("agent.display_name", "agent.email"));
}

// Too many groups and too much capacity are refused.
TEST_F(AgentManagerTest, OversizedListsAndCapacityAreInvalid) {
  v1::CreateAgentRequest request = CreateRequest();
  for (int i = 0; i < 51; ++i) request.mutable_agent()->add_groups(kGroupA);
  request.mutable_agent()->set_capacity(1001);
  EXPECT_THAT(
      ViolatedFields(manager_.CreateAgent(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("agent.groups", "agent.capacity"));
}

// Defaults: AVAILABLE, a fresh name and times; output-only input ignored;
// groups sorted without duplicates; display name trimmed.
TEST_F(AgentManagerTest, CreateAppliesDefaultsAndIgnoresOutputOnlyFields) {
  v1::CreateAgentRequest request = CreateRequest();
  request.mutable_agent()->set_name("agents/made-up");
  request.mutable_agent()->set_load(42);
  request.mutable_agent()->set_etag("forged");
  request.mutable_agent()->add_groups(kGroupB);
  request.mutable_agent()->add_groups(kGroupA);
  request.mutable_agent()->add_groups(kGroupB);
  request.set_request_id("create-ada-1");
  EXPECT_CALL(store_, CreateAgent("acme", _, _, _))
      .WillOnce(
          Invoke([](const std::string&, const v1::Agent& agent, const CreateKey& key, absl::Time) {
            EXPECT_EQ(key.request_id, "create-ada-1");
            EXPECT_FALSE(key.fingerprint.empty());
            return agent;
          }));
  ASSERT_OK_AND_ASSIGN(v1::Agent agent,
                       manager_.CreateAgent(Admin(), request, absl::InfiniteFuture()));
  EXPECT_NE(agent.name(), "agents/made-up");
  EXPECT_EQ(agent.display_name(), "Ada Lovelace");
  EXPECT_EQ(agent.availability(), v1::Agent::AVAILABLE);
  EXPECT_EQ(agent.load(), 0);
  EXPECT_TRUE(agent.etag().empty());
  EXPECT_THAT(agent.groups(), ::testing::ElementsAre(kGroupA, kGroupB));
  EXPECT_EQ(agent.create_time().seconds(), 1'790'000'000);
}

// The store names a missing group by its place in the sorted list it
// stores; the caller hears the place in their own request.
TEST_F(AgentManagerTest, MissingGroupIsReportedAtItsPlaceInTheRequest) {
  v1::CreateAgentRequest request = CreateRequest();
  request.mutable_agent()->add_groups(kGroupB);
  request.mutable_agent()->add_groups(kGroupB);
  request.mutable_agent()->add_groups(kGroupA);
  EXPECT_CALL(store_, CreateAgent(_, _, _, _))
      .WillOnce(Invoke([](const std::string&, const v1::Agent& agent, const CreateKey&,
                          absl::Time) -> absl::StatusOr<v1::Agent> {
        EXPECT_THAT(agent.groups(), ::testing::ElementsAre(kGroupA, kGroupB));
        return InvalidField("agent.groups[1]", "is not a group of this tenant");  // kGroupB
      }));
  absl::StatusOr<v1::Agent> created =
      manager_.CreateAgent(Admin(), request, absl::InfiniteFuture());
  EXPECT_THAT(ViolatedFields(created.status()), UnorderedElementsAre("agent.groups[0]"));
}

// An agent may set their own availability.
TEST_F(AgentManagerTest, AgentChangesOwnAvailability) {
  EXPECT_CALL(store_, UpdateAgent("acme", "01JABCDEFGHJKMNPQRSTVWXYZ0", _, _));
  ASSERT_OK_AND_ASSIGN(v1::Agent agent,
                       manager_.UpdateAgent(AgentUser("user-ada"), Availability(v1::Agent::AWAY),
                                            absl::InfiniteFuture()));
  EXPECT_EQ(agent.availability(), v1::Agent::AWAY);
  EXPECT_EQ(agent.etag(), "next-etag");
  EXPECT_TRUE(changed_);
}

// An agent may not set someone else's availability, nor other fields.
TEST_F(AgentManagerTest, AgentCannotChangeOthersOrOtherFields) {
  EXPECT_CALL(store_, UpdateAgent(_, _, _, _));
  EXPECT_THAT(manager_.UpdateAgent(AgentUser("user-bob"), Availability(v1::Agent::AWAY),
                                   absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  v1::UpdateAgentRequest capacity = Availability(v1::Agent::AWAY);
  capacity.mutable_update_mask()->add_paths("capacity");
  // Refused before the store is asked anything.
  EXPECT_THAT(manager_.UpdateAgent(AgentUser("user-ada"), capacity, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// A stale etag is ABORTED.
TEST_F(AgentManagerTest, StaleEtagIsAborted) {
  EXPECT_CALL(store_, UpdateAgent(_, _, _, _));
  v1::UpdateAgentRequest request = Availability(v1::Agent::OFFLINE);
  request.mutable_agent()->set_etag("etag-0");
  EXPECT_THAT(manager_.UpdateAgent(Admin(), request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kAborted));
}

// Setting a value to what it already is changes nothing (same etag).
TEST_F(AgentManagerTest, UpdateToSameValuesChangesNothing) {
  EXPECT_CALL(store_, UpdateAgent(_, _, _, _));
  ASSERT_OK_AND_ASSIGN(
      v1::Agent agent,
      manager_.UpdateAgent(Admin(), Availability(v1::Agent::AVAILABLE), absl::InfiniteFuture()));
  EXPECT_FALSE(changed_);
  EXPECT_EQ(agent.etag(), "etag-1");
}

// Bad masks, names and values are INVALID_ARGUMENT before the store.
TEST_F(AgentManagerTest, InvalidUpdatesNameTheField) {
  v1::UpdateAgentRequest request = Availability(v1::Agent::AVAILABILITY_UNSPECIFIED);
  EXPECT_THAT(
      ViolatedFields(manager_.UpdateAgent(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("agent.availability"));
  request = Availability(v1::Agent::AWAY);
  request.mutable_update_mask()->add_paths("load");
  EXPECT_THAT(
      ViolatedFields(manager_.UpdateAgent(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("update_mask"));
  request = Availability(v1::Agent::AWAY);
  request.clear_update_mask();
  EXPECT_THAT(
      ViolatedFields(manager_.UpdateAgent(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("update_mask"));
  request = Availability(v1::Agent::AWAY);
  request.mutable_agent()->set_name("tickets/01JABCDEFGHJKMNPQRSTVWXYZ0");
  EXPECT_THAT(
      ViolatedFields(manager_.UpdateAgent(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("agent.name"));
}

// Filters: unknown fields, bad enum values, ordering an enum, a malformed
// group or boolean are INVALID_ARGUMENT on `filter`; nothing is queried.
TEST_F(AgentManagerTest, BadFiltersAreInvalid) {
  for (const char* filter :
       {"colour = red", "availability = BUSY", "availability > AWAY", "group = teams/1",
        "deactivated = maybe", "create_time > yesterday", "email"}) {
    v1::ListAgentsRequest request;
    request.set_filter(filter);
    absl::StatusOr<v1::ListAgentsResponse> response =
        manager_.ListAgents(Admin(), request, absl::InfiniteFuture());
    EXPECT_THAT(ViolatedFields(response.status()), UnorderedElementsAre("filter")) << filter;
  }
}

// Filters become typed conditions for the store.
TEST_F(AgentManagerTest, FiltersBecomeStoreConditions) {
  EXPECT_CALL(store_, ListAgents("acme", _, _, _))
      .WillOnce(Invoke([](const std::string&, const std::vector<AgentCondition>& conditions,
                          const ListPlan&, absl::Time) -> absl::StatusOr<AgentPage> {
        EXPECT_EQ(conditions.size(), 3u);
        EXPECT_EQ(conditions[0].field, AgentField::kAvailability);
        EXPECT_EQ(conditions[0].value, "2");
        EXPECT_EQ(conditions[1].field, AgentField::kGroup);
        EXPECT_EQ(conditions[1].value, "01JABCDEFGHJKMNPQRSTVWXYZ1");
        EXPECT_EQ(conditions[2].field, AgentField::kDeactivated);
        EXPECT_EQ(conditions[2].value, "0");
        return AgentPage{};
      }));
  v1::ListAgentsRequest request;
  request.set_filter(
      absl::StrCat("availability = AWAY AND group = ", kGroupA, " AND deactivated = false"));
  EXPECT_OK(manager_.ListAgents(Admin(), request, absl::InfiniteFuture()));
}

// A page token from another query, or forged, is INVALID_ARGUMENT.
TEST_F(AgentManagerTest, ForeignPageTokenIsInvalid) {
  v1::ListGroupsRequest request;
  request.set_page_token("not-a-token");
  EXPECT_THAT(
      ViolatedFields(manager_.ListGroups(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("page_token"));
  v1::ListAgentsRequest agents;
  agents.set_page_size(-1);
  EXPECT_THAT(ViolatedFields(manager_.ListAgents(Admin(), agents, absl::InfiniteFuture()).status()),
              UnorderedElementsAre("page_size"));
}

// Groups: name required and bounded, description bounded.
TEST_F(AgentManagerTest, InvalidGroupIsRefused) {
  v1::CreateGroupRequest request;
  request.mutable_group()->set_display_name(std::string(101, 'g'));
  request.mutable_group()->set_description(std::string(1001, 'd'));
  EXPECT_THAT(
      ViolatedFields(manager_.CreateGroup(Admin(), request, absl::InfiniteFuture()).status()),
      UnorderedElementsAre("group.display_name", "group.description"));
  EXPECT_THAT(ViolatedFields(manager_.CreateGroup(Admin(), {}, absl::InfiniteFuture()).status()),
              UnorderedElementsAre("group"));
}

// Deleting takes a well-formed name and passes etag and force through.
TEST_F(AgentManagerTest, DeleteGroupPassesEtagAndForce) {
  v1::DeleteGroupRequest request;
  request.set_name("groups/x");
  EXPECT_THAT(ViolatedFields(manager_.DeleteGroup(Admin(), request, absl::InfiniteFuture())),
              UnorderedElementsAre("name"));
  request.set_name(kGroupA);
  request.set_etag("e");
  request.set_force(true);
  EXPECT_CALL(store_, DeleteGroup("acme", "01JABCDEFGHJKMNPQRSTVWXYZ1", "e", true, _, _))
      .WillOnce(::testing::Return(absl::OkStatus()));
  EXPECT_OK(manager_.DeleteGroup(Admin(), request, absl::InfiniteFuture()));
}

}  // namespace
}  // namespace tandem::support
