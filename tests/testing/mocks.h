// gMock mocks of every storage and peer interface, in one place.
#ifndef TANDEM_TESTS_TESTING_MOCKS_H_
#define TANDEM_TESTS_TESTING_MOCKS_H_

#include <gmock/gmock.h>

#include "services/success/account_store.h"
#include "services/support/account_directory.h"
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
};

class MockAccountStore : public success::AccountStore {
 public:
  MOCK_METHOD(absl::StatusOr<success::v1::Account>, Create,
              (const std::string&, const success::v1::Account&, const CreateKey&,
               absl::Time),
              (override));
  MOCK_METHOD(absl::StatusOr<success::v1::Account>, Get,
              (const std::string&, const std::string&, absl::Time), (override));
  MOCK_METHOD(absl::StatusOr<success::AccountPage>, List,
              (const std::string&, const std::vector<success::AccountCondition>&,
               const ListPlan&, absl::Time),
              (override));
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_MOCKS_H_
