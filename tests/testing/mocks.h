// gMock mocks of every storage and peer interface, in one place.
#ifndef TANDEM_TESTS_TESTING_MOCKS_H_
#define TANDEM_TESTS_TESTING_MOCKS_H_

#include <gmock/gmock.h>

#include "services/success/account_store.h"
#include "services/support/account_directory.h"
#include "services/support/article_store.h"
#include "services/support/agent_store.h"
#include "services/support/sla_store.h"
#include "services/support/ticket_store.h"

namespace tandem::testing {

class MockTicketStore : public support::TicketStore {
 public:
  MOCK_METHOD(absl::StatusOr<support::v1::Ticket>, Create,
              (const std::string&, const std::string&, const support::v1::Ticket&,
               const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Ticket>, Update,
              (const std::string&, const std::string&, const support::TicketUpdateDecision&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Message>, AddMessage,
              (const std::string&, const std::string&, const CreateKey&, const std::string&,
               const support::MessageDecision&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::MessagePage>, ListMessages,
              (const std::string&, const std::string&, const std::string&, int, bool,
               absl::Time),
              (override));
  MOCK_METHOD(absl::Status, SummarizeAccount,
              (const std::string&, const std::string&, absl::Time,
               support::v1::AccountSupportSummary&, absl::Time),
              (override));
  MOCK_METHOD((absl::StatusOr<std::vector<std::pair<std::string, support::v1::Ticket>>>),
              FindPendingAccountChecks, (int, absl::Time), (override));
  MOCK_METHOD((absl::StatusOr<std::vector<std::pair<std::string, std::string>>>),
              FindSolvedBefore, (absl::Time, int, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::TicketChangePage>, ListChanges,
              (const std::string&, const std::string&, const std::string&, int, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<std::optional<support::v1::Ticket>>, FindCreated,
              (const std::string&, const CreateKey&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Ticket>, Get,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::TicketPage>, List,
              (const std::string&, const std::vector<support::TicketCondition>&, const ListPlan&,
               absl::Time),
              (override));
  MOCK_METHOD((absl::StatusOr<std::vector<std::pair<std::string, std::string>>>), FindSlaDue,
              (absl::Time, int, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<support::StoredSlaPolicy>>, LoadSlaPolicies,
              (const std::string&, absl::Time), (override));
  MOCK_METHOD((absl::StatusOr<std::pair<support::v1::Ticket, support::v1::Ticket>>), Merge,
              (const std::string&, const std::string&, const std::string&,
               const support::MergeDecision&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Ticket>, Import,
              (const std::string&, const support::TicketImport&, const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<std::optional<support::v1::Ticket>>, FindImported,
              (const std::string&, const CreateKey&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::v1::CustomStatus>, CreateCustomStatus,
              (const std::string&, const support::v1::CustomStatus&, const CreateKey&, int,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::CustomStatus>, GetCustomStatus,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<support::v1::CustomStatus>>, ListCustomStatuses,
              (const std::string&, bool, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::v1::CustomStatus>, UpdateCustomStatus,
              (const std::string&, const std::string&, const support::CustomStatusDecision&,
               absl::Time),
              (override));
};

class MockAccountDirectory : public support::AccountDirectory {
 public:
  MOCK_METHOD(absl::StatusOr<support::AccountFacts>, Lookup,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::Status, CheckContact, (const std::string&, const std::string&, absl::Time),
              (override));
};

class MockAccountStore : public success::AccountStore {
 public:
  MOCK_METHOD(absl::StatusOr<success::v1::Account>, Create,
              (const std::string&, const success::v1::Account&, const CreateKey&,
               const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<success::v1::Account>, Get,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<success::AccountPage>, List,
              (const std::string&, const success::AccountQuery&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<success::v1::Account>, Update,
              (const std::string&, const std::string&, const success::AccountUpdateDecision&,
               const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::Status, Delete,
              (const std::string&, const std::string&, const std::string&,
               const success::AccountDeleteCheck&, const std::string&, absl::Time, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<success::StageChangePage>, ListStageChanges,
              (const std::string&, const std::string&, const ListPlan&, absl::Time), (override));
};

class MockAgentStore : public support::AgentStore {
 public:
  MOCK_METHOD(absl::StatusOr<support::v1::Agent>, CreateAgent,
              (const std::string&, const support::v1::Agent&, const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Agent>, GetAgent,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::AgentPage>, ListAgents,
              (const std::string&, const std::vector<support::AgentCondition>&, const ListPlan&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Agent>, UpdateAgent,
              (const std::string&, const std::string&, const support::AgentUpdateDecision&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::Status, DeleteAgent,
              (const std::string&, const std::string&, const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Group>, CreateGroup,
              (const std::string&, const support::v1::Group&, const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Group>, GetGroup,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::GroupPage>, ListGroups,
              (const std::string&, const std::vector<support::GroupCondition>&, const ListPlan&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Group>, UpdateGroup,
              (const std::string&, const std::string&, const support::GroupUpdateDecision&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::Status, DeleteGroup,
              (const std::string&, const std::string&, const std::string&, bool, absl::Time,
               absl::Time),
              (override));
};

class MockSlaStore : public support::SlaStore {
 public:
  MOCK_METHOD(absl::StatusOr<support::v1::BusinessCalendar>, CreateCalendar,
              (const std::string&, const support::v1::BusinessCalendar&, const CreateKey&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::BusinessCalendar>, GetCalendar,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::CalendarPage>, ListCalendars,
              (const std::string&, const std::vector<support::CalendarCondition>&,
               const ListPlan&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::BusinessCalendar>, UpdateCalendar,
              (const std::string&, const std::string&, const support::CalendarUpdateDecision&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::Status, DeleteCalendar,
              (const std::string&, const std::string&, const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::SlaPolicy>, CreatePolicy,
              (const std::string&, const support::v1::SlaPolicy&, const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::SlaPolicy>, GetPolicy,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::PolicyPage>, ListPolicies,
              (const std::string&, const std::optional<support::PolicyCalendarCondition>&,
               const std::optional<support::PolicyPosition>&, int, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::SlaPolicy>, UpdatePolicy,
              (const std::string&, const std::string&, const support::PolicyUpdateDecision&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::Status, DeletePolicy,
              (const std::string&, const std::string&, const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<support::StoredSlaPolicy>>, LoadPolicies,
              (const std::string&, absl::Time), (override));
};

class MockArticleStore : public support::ArticleStore {
 public:
  MOCK_METHOD(absl::StatusOr<support::v1::Category>, CreateCategory,
              (const std::string&, const support::v1::Category&, const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Category>, GetCategory,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::Page<support::v1::Category>>, ListCategories,
              (const std::string&, const ListPlan&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Category>, UpdateCategory,
              (const std::string&, const std::string&, const support::CategoryDecision&,
               absl::Time, absl::Time),
              (override));
  MOCK_METHOD(absl::Status, DeleteCategory,
              (const std::string&, const std::string&, const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Article>, CreateArticle,
              (const std::string&, const support::v1::Article&, const CreateKey&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Article>, GetArticle,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::Page<support::v1::Article>>, ListArticles,
              (const std::string&, const std::vector<support::ArticleCondition>&,
               const ListPlan&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Article>, UpdateArticle,
              (const std::string&, const std::string&, const support::ArticleDecision&,
               const std::string&, absl::Time, absl::Time),
              (override));
  MOCK_METHOD(absl::Status, DeleteArticle,
              (const std::string&, const std::string&, const std::string&, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::Page<support::v1::ArticleVersion>>, ListVersions,
              (const std::string&, const std::string&, int, int, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::Page<support::ScoredArticle>>, Search,
              (const std::string&, const support::ArticleSearch&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<int64_t>>, CountMatching,
              (const std::string&, const std::vector<support::QueryTerm>&, bool, const std::string&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Article>, Vote,
              (const std::string&, const std::string&, const std::string&, bool, absl::Time,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::v1::Article>, RecordView,
              (const std::string&, const std::string&, const std::string&, const CreateKey&,
               absl::Time, absl::Time),
              (override));
  MOCK_METHOD((absl::StatusOr<std::pair<std::string, std::string>>), TicketText,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<support::v1::TicketArticleLink>, Link,
              (const std::string&, const std::string&, const std::string&, const std::string&,
               absl::Time, absl::Time),
              (override));
  MOCK_METHOD(absl::Status, Unlink,
              (const std::string&, const std::string&, const std::string&, const std::string&,
               absl::Time, absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<support::Page<support::v1::TicketArticleLink>>, ListLinks,
              (const std::string&, const std::string&, const std::optional<KeysetPosition>&,
               int, bool, absl::Time),
              (override));
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_MOCKS_H_
