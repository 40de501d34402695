// Storage of the knowledge base (categories, articles and their versions,
// the search index, votes, views, ticket links), behind an interface so the
// rules can be tested without a database and the MySQL store chosen in
// main.cc.
#ifndef TANDEM_SERVICES_SUPPORT_ARTICLE_STORE_H_
#define TANDEM_SERVICES_SUPPORT_ARTICLE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "services/support/text_index.h"
#include "tandem/support/v1/knowledge_base.pb.h"

namespace tandem::support {

// An article field a List may filter on.
enum class ArticleField { kCategory, kLocale, kState, kTag, kCreateTime, kUpdateTime };

// One typed filter condition: the state as its proto number, the category
// as its id, times as UTC DATETIME(6) text. `tag = x` means the article has
// tag x.
struct ArticleCondition {
  ArticleField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A page of items and whether another follows.
template <typename Item>
struct Page {
  std::vector<Item> items;
  bool has_more = false;
};

// Decides a category's new content from the current one (etag checks and
// mask application happen here). Runs with the row locked.
using CategoryDecision = std::function<absl::StatusOr<v1::Category>(const v1::Category& current)>;

// Decides an article's new content from the current one. Runs with the row
// locked; must not block or call out.
using ArticleDecision = std::function<absl::StatusOr<v1::Article>(const v1::Article& current)>;

// A text search or a suggestion over the index.
struct ArticleSearch {
  // The query's conditions (text_index.h).
  std::vector<QueryTerm> terms;
  // True: an article must match every required condition (a search).
  // False: any condition will do (a suggestion).
  bool match_all = true;
  // Conditions an article need not match even when `match_all` (common
  // words such as "how"); they still add to the score.
  std::vector<QueryTerm> optional_terms;
  // Only articles of this locale, when set.
  std::string locale;
  // Only articles of this category id, when set.
  std::string category_id;
  // Whether drafts are searched too (callers who may see them).
  bool include_drafts = false;
  // How many best matches to skip, and how many to return after them.
  int offset = 0;
  int limit = 10;
};

// One search result: the article (with its body) and its score.
struct ScoredArticle {
  v1::Article article;
  double score = 0;
};

// Reads and writes one tenant's knowledge base at a time. Every method is
// scoped by `tenant`; another tenant's ids are NOT_FOUND.
class ArticleStore {
 public:
  virtual ~ArticleStore() = default;

  // Stores a complete new category. ALREADY_EXISTS if the tenant has one
  // with the same display name. With a request id an identical request
  // already used, stores nothing and returns that category.
  virtual absl::StatusOr<v1::Category> CreateCategory(const std::string& tenant,
                                                      const v1::Category& category,
                                                      const CreateKey& key,
                                                      absl::Time deadline) = 0;

  // Returns a category, or NOT_FOUND.
  virtual absl::StatusOr<v1::Category> GetCategory(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) = 0;

  // Returns one page of the tenant's categories.
  virtual absl::StatusOr<Page<v1::Category>> ListCategories(const std::string& tenant,
                                                            const ListPlan& plan,
                                                            absl::Time deadline) = 0;

  // Locks a category, runs `decide` and stores its answer (if it differs)
  // with a new etag and `now` as update time.
  virtual absl::StatusOr<v1::Category> UpdateCategory(const std::string& tenant,
                                                      const std::string& id,
                                                      const CategoryDecision& decide,
                                                      absl::Time now, absl::Time deadline) = 0;

  // Deletes a category. ABORTED if `etag` is set and stale;
  // FAILED_PRECONDITION while any article is in it.
  virtual absl::Status DeleteCategory(const std::string& tenant, const std::string& id,
                                      const std::string& etag, absl::Time deadline) = 0;

  // Stores a complete new article as version 1 (by its author) and indexes
  // it. NOT_FOUND on `article.category` if the category does not exist.
  // A retry under the same key returns the first article.
  virtual absl::StatusOr<v1::Article> CreateArticle(const std::string& tenant,
                                                    const v1::Article& article,
                                                    const CreateKey& key, absl::Time deadline) = 0;

  // Returns an article with its body, or NOT_FOUND.
  virtual absl::StatusOr<v1::Article> GetArticle(const std::string& tenant, const std::string& id,
                                                 absl::Time deadline) = 0;

  // Returns one page of articles (without bodies) matching every
  // condition.
  virtual absl::StatusOr<Page<v1::Article>> ListArticles(
      const std::string& tenant, const std::vector<ArticleCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) = 0;

  // Locks an article, runs `decide` and stores its answer. A change of
  // title, body, tags or locale becomes a new version written by `editor`
  // (the old one stays) and is indexed again. A new category must exist
  // (NOT_FOUND otherwise).
  virtual absl::StatusOr<v1::Article> UpdateArticle(const std::string& tenant,
                                                    const std::string& id,
                                                    const ArticleDecision& decide,
                                                    const std::string& editor, absl::Time now,
                                                    absl::Time deadline) = 0;

  // Deletes an article with its versions, index terms, votes and links.
  // ABORTED if `etag` is set and stale.
  virtual absl::Status DeleteArticle(const std::string& tenant, const std::string& id,
                                     const std::string& etag, absl::Time deadline) = 0;

  // Returns up to `limit` versions of an article older than
  // `before_version` (0: from the newest), newest first. NOT_FOUND if the
  // article does not exist.
  virtual absl::StatusOr<Page<v1::ArticleVersion>> ListVersions(const std::string& tenant,
                                                                const std::string& id,
                                                                int before_version, int limit,
                                                                absl::Time deadline) = 0;

  // Runs a search; results best first (bodies included, for snippets).
  // `has_more` says whether results follow the page.
  virtual absl::StatusOr<Page<ScoredArticle>> Search(const std::string& tenant,
                                                     const ArticleSearch& search,
                                                     absl::Time deadline) = 0;

  // Returns how many articles of the tenant contain each condition;
  // published ones only if `published_only`, those of `locale` only unless
  // it is empty.
  virtual absl::StatusOr<std::vector<int64_t>> CountMatching(const std::string& tenant,
                                                             const std::vector<QueryTerm>& terms,
                                                             bool published_only,
                                                             const std::string& locale,
                                                             absl::Time deadline) = 0;

  // Records `voter`'s vote on a PUBLISHED article (FAILED_PRECONDITION
  // otherwise), replacing an earlier one, and publishes ArticleVoted if it
  // changed anything; returns the article.
  virtual absl::StatusOr<v1::Article> Vote(const std::string& tenant, const std::string& id,
                                           const std::string& voter, bool helpful, absl::Time now,
                                           absl::Time deadline) = 0;

  // Counts a view of a PUBLISHED article (FAILED_PRECONDITION otherwise)
  // and publishes ArticleViewed, once per key; returns the article.
  virtual absl::StatusOr<v1::Article> RecordView(const std::string& tenant, const std::string& id,
                                                 const std::string& viewer, const CreateKey& key,
                                                 absl::Time now, absl::Time deadline) = 0;

  // Returns a ticket's subject and description, or NOT_FOUND.
  virtual absl::StatusOr<std::pair<std::string, std::string>> TicketText(
      const std::string& tenant, const std::string& ticket_id, absl::Time deadline) = 0;

  // Links a ticket to an article and publishes ArticleLinked; NOT_FOUND if
  // either does not exist. An existing link is returned unchanged.
  virtual absl::StatusOr<v1::TicketArticleLink> Link(const std::string& tenant,
                                                     const std::string& ticket_id,
                                                     const std::string& article_id,
                                                     const std::string& actor, absl::Time now,
                                                     absl::Time deadline) = 0;

  // Removes a link and publishes ArticleLinked (unlinked); NOT_FOUND if
  // there is none.
  virtual absl::Status Unlink(const std::string& tenant, const std::string& ticket_id,
                              const std::string& article_id, const std::string& actor,
                              absl::Time now, absl::Time deadline) = 0;

  // Returns up to `limit` links of a ticket made after `after` (link time
  // and article id; none: from the oldest), oldest first; links to drafts
  // only with `include_drafts`. NOT_FOUND if the ticket does not exist.
  virtual absl::StatusOr<Page<v1::TicketArticleLink>> ListLinks(
      const std::string& tenant, const std::string& ticket_id,
      const std::optional<KeysetPosition>& after, int limit, bool include_drafts,
      absl::Time deadline) = 0;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_ARTICLE_STORE_H_
