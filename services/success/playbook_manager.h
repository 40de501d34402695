// The rules of the PlaybookService's calls, apart from transport and
// storage: validation, defaults, update masks, CTA snooze and close, and
// how List requests become store queries.
#ifndef TANDEM_SERVICES_SUCCESS_PLAYBOOK_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_PLAYBOOK_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/playbook_store.h"
#include "tandem/success/v1/playbook.pb.h"

namespace tandem::success {

// Serves one caller at a time; the gRPC adapter checks roles first.
class PlaybookManager {
 public:
  PlaybookManager(PlaybookStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates a playbook; see PlaybookService.CreatePlaybook.
  absl::StatusOr<v1::Playbook> CreatePlaybook(const Principal& caller,
                                              const v1::CreatePlaybookRequest& request,
                                              absl::Time deadline);

  // Returns a playbook of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Playbook> GetPlaybook(const Principal& caller,
                                           const v1::GetPlaybookRequest& request,
                                           absl::Time deadline);

  // Lists the caller's tenant's playbooks (the defaults on first use).
  absl::StatusOr<v1::ListPlaybooksResponse> ListPlaybooks(const Principal& caller,
                                                          const v1::ListPlaybooksRequest& request,
                                                          absl::Time deadline);

  // Changes the fields named in the mask; the result is validated whole
  // (e.g. the last action cannot be removed).
  absl::StatusOr<v1::Playbook> UpdatePlaybook(const Principal& caller,
                                              const v1::UpdatePlaybookRequest& request,
                                              absl::Time deadline);

  // Deletes a playbook.
  absl::Status DeletePlaybook(const Principal& caller, const v1::DeletePlaybookRequest& request,
                              absl::Time deadline);

  // Validates and opens a CTA by hand; see PlaybookService.CreateCta.
  absl::StatusOr<v1::Cta> CreateCta(const Principal& caller, const v1::CreateCtaRequest& request,
                                    absl::Time deadline);

  // Returns a CTA as it reads now (a passed snooze is OPEN), or NOT_FOUND.
  absl::StatusOr<v1::Cta> GetCta(const Principal& caller, const v1::GetCtaRequest& request,
                                 absl::Time deadline);

  // Lists CTAs; `owner = mine` means the caller's subject.
  absl::StatusOr<v1::ListCtasResponse> ListCtas(const Principal& caller,
                                                const v1::ListCtasRequest& request,
                                                absl::Time deadline);

  // Changes title, owner, priority, due time or snooze of an open CTA.
  absl::StatusOr<v1::Cta> UpdateCta(const Principal& caller, const v1::UpdateCtaRequest& request,
                                    absl::Time deadline);

  // Completes or cancels an open CTA.
  absl::StatusOr<v1::Cta> CloseCta(const Principal& caller, const v1::CloseCtaRequest& request,
                                   absl::Time deadline);

  // Lists enrolments.
  absl::StatusOr<v1::ListEnrolmentsResponse> ListEnrolments(
      const Principal& caller, const v1::ListEnrolmentsRequest& request, absl::Time deadline);

  // Lists outreach messages.
  absl::StatusOr<v1::ListOutreachMessagesResponse> ListOutreachMessages(
      const Principal& caller, const v1::ListOutreachMessagesRequest& request, absl::Time deadline);

 private:
  PlaybookStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_PLAYBOOK_MANAGER_H_
