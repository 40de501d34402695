// The rules of the knowledge base, apart from transport and storage:
// validation, who sees drafts, versions, how a query becomes a search, and
// how a ticket becomes a suggestion.
#ifndef TANDEM_SERVICES_SUPPORT_KNOWLEDGE_BASE_MANAGER_H_
#define TANDEM_SERVICES_SUPPORT_KNOWLEDGE_BASE_MANAGER_H_

#include <google/protobuf/empty.pb.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/support/article_store.h"
#include "tandem/support/v1/knowledge_base.pb.h"

namespace tandem::support {

// Returns true if `caller` may see and edit drafts (agents and admins).
bool SeesDrafts(const Principal& caller);

// Serves the knowledge base for one caller at a time. See
// KnowledgeBaseService in knowledge_base.proto for each call's contract.
class KnowledgeBaseManager {
 public:
  KnowledgeBaseManager(ArticleStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  absl::StatusOr<v1::Category> CreateCategory(const Principal& caller,
                                              const v1::CreateCategoryRequest& request,
                                              absl::Time deadline);
  absl::StatusOr<v1::Category> GetCategory(const Principal& caller,
                                           const v1::GetCategoryRequest& request,
                                           absl::Time deadline);
  absl::StatusOr<v1::ListCategoriesResponse> ListCategories(
      const Principal& caller, const v1::ListCategoriesRequest& request, absl::Time deadline);
  absl::StatusOr<v1::Category> UpdateCategory(const Principal& caller,
                                              const v1::UpdateCategoryRequest& request,
                                              absl::Time deadline);
  absl::Status DeleteCategory(const Principal& caller, const v1::DeleteCategoryRequest& request,
                              absl::Time deadline);

  absl::StatusOr<v1::Article> CreateArticle(const Principal& caller,
                                            const v1::CreateArticleRequest& request,
                                            absl::Time deadline);
  absl::StatusOr<v1::Article> GetArticle(const Principal& caller,
                                         const v1::GetArticleRequest& request, absl::Time deadline);
  absl::StatusOr<v1::ListArticlesResponse> ListArticles(const Principal& caller,
                                                        const v1::ListArticlesRequest& request,
                                                        absl::Time deadline);
  absl::StatusOr<v1::Article> UpdateArticle(const Principal& caller,
                                            const v1::UpdateArticleRequest& request,
                                            absl::Time deadline);
  absl::Status DeleteArticle(const Principal& caller, const v1::DeleteArticleRequest& request,
                             absl::Time deadline);
  absl::StatusOr<v1::ListArticleVersionsResponse> ListArticleVersions(
      const Principal& caller, const v1::ListArticleVersionsRequest& request, absl::Time deadline);

  absl::StatusOr<v1::SearchArticlesResponse> SearchArticles(
      const Principal& caller, const v1::SearchArticlesRequest& request, absl::Time deadline);
  absl::StatusOr<v1::SuggestArticlesResponse> SuggestArticles(
      const Principal& caller, const v1::SuggestArticlesRequest& request, absl::Time deadline);

  absl::StatusOr<v1::Article> VoteArticle(const Principal& caller,
                                          const v1::VoteArticleRequest& request,
                                          absl::Time deadline);
  absl::StatusOr<v1::Article> RecordArticleView(const Principal& caller,
                                                const v1::RecordArticleViewRequest& request,
                                                absl::Time deadline);

  absl::StatusOr<v1::TicketArticleLink> LinkArticle(const Principal& caller,
                                                    const v1::LinkArticleRequest& request,
                                                    absl::Time deadline);
  absl::Status UnlinkArticle(const Principal& caller, const v1::UnlinkArticleRequest& request,
                             absl::Time deadline);
  absl::StatusOr<v1::ListTicketArticlesResponse> ListTicketArticles(
      const Principal& caller, const v1::ListTicketArticlesRequest& request, absl::Time deadline);

 private:
  // Returns the article if `caller` may see it, NOT_FOUND otherwise.
  absl::StatusOr<v1::Article> VisibleArticle(const Principal& caller, const std::string& id,
                                             absl::Time deadline);

  ArticleStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_KNOWLEDGE_BASE_MANAGER_H_
