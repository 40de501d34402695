// ArticleStore on MySQL/MariaDB (InnoDB only): the kb_* tables, the
// knowledge base's own inverted index in `kb_terms` (kept in the same
// transaction as the article, so search never sees half a write), and the
// outbox events of votes, views and links in the transaction of the write.
#ifndef TANDEM_SERVICES_SUPPORT_MYSQL_ARTICLE_STORE_H_
#define TANDEM_SERVICES_SUPPORT_MYSQL_ARTICLE_STORE_H_

#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/support/article_store.h"

namespace tandem::support {

class MysqlArticleStore final : public ArticleStore {
 public:
  MysqlArticleStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Category> CreateCategory(const std::string& tenant,
                                              const v1::Category& category, const CreateKey& key,
                                              absl::Time deadline) override;
  absl::StatusOr<v1::Category> GetCategory(const std::string& tenant, const std::string& id,
                                           absl::Time deadline) override;
  absl::StatusOr<Page<v1::Category>> ListCategories(const std::string& tenant, const ListPlan& plan,
                                                    absl::Time deadline) override;
  absl::StatusOr<v1::Category> UpdateCategory(const std::string& tenant, const std::string& id,
                                              const CategoryDecision& decide, absl::Time now,
                                              absl::Time deadline) override;
  absl::Status DeleteCategory(const std::string& tenant, const std::string& id,
                              const std::string& etag, absl::Time deadline) override;
  absl::StatusOr<v1::Article> CreateArticle(const std::string& tenant, const v1::Article& article,
                                            const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Article> GetArticle(const std::string& tenant, const std::string& id,
                                         absl::Time deadline) override;
  absl::StatusOr<Page<v1::Article>> ListArticles(const std::string& tenant,
                                                 const std::vector<ArticleCondition>& conditions,
                                                 const ListPlan& plan,
                                                 absl::Time deadline) override;
  absl::StatusOr<v1::Article> UpdateArticle(const std::string& tenant, const std::string& id,
                                            const ArticleDecision& decide,
                                            const std::string& editor, absl::Time now,
                                            absl::Time deadline) override;
  absl::Status DeleteArticle(const std::string& tenant, const std::string& id,
                             const std::string& etag, absl::Time deadline) override;
  absl::StatusOr<Page<v1::ArticleVersion>> ListVersions(const std::string& tenant,
                                                        const std::string& id, int before_version,
                                                        int limit, absl::Time deadline) override;
  absl::StatusOr<Page<ScoredArticle>> Search(const std::string& tenant, const ArticleSearch& search,
                                             absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> CountMatching(const std::string& tenant,
                                                     const std::vector<QueryTerm>& terms,
                                                     bool published_only, const std::string& locale,
                                                     absl::Time deadline) override;
  absl::StatusOr<v1::Article> Vote(const std::string& tenant, const std::string& id,
                                   const std::string& voter, bool helpful, absl::Time now,
                                   absl::Time deadline) override;
  absl::StatusOr<v1::Article> RecordView(const std::string& tenant, const std::string& id,
                                         const std::string& viewer, const CreateKey& key,
                                         absl::Time now, absl::Time deadline) override;
  absl::StatusOr<std::pair<std::string, std::string>> TicketText(const std::string& tenant,
                                                                 const std::string& ticket_id,
                                                                 absl::Time deadline) override;
  absl::StatusOr<v1::TicketArticleLink> Link(const std::string& tenant,
                                             const std::string& ticket_id,
                                             const std::string& article_id,
                                             const std::string& actor, absl::Time now,
                                             absl::Time deadline) override;
  absl::Status Unlink(const std::string& tenant, const std::string& ticket_id,
                      const std::string& article_id, const std::string& actor, absl::Time now,
                      absl::Time deadline) override;
  absl::StatusOr<Page<v1::TicketArticleLink>> ListLinks(const std::string& tenant,
                                                        const std::string& ticket_id,
                                                        const std::optional<KeysetPosition>& after,
                                                        int limit, bool include_drafts,
                                                        absl::Time deadline) override;

 private:
  // Reads an article and its row version under a row lock (FOR UPDATE).
  absl::StatusOr<std::pair<v1::Article, int64_t>> LockArticle(mysql::Transaction& tx,
                                                              const std::string& tenant,
                                                              const std::string& id);
  // Brings an article's rows in kb_terms in line with its content (a
  // `fresh` article has none yet); returns the body's length in terms.
  absl::StatusOr<int> WriteIndex(mysql::Transaction& tx, const std::string& tenant,
                                 const std::string& id, const v1::Article& article, bool fresh);
  // Copies the article's state, locale, category and (if given) body length
  // into its kb_terms rows, where searches filter and rank on them.
  absl::Status SyncPostings(mysql::Transaction& tx, const std::string& tenant,
                            const std::string& id, const v1::Article& article,
                            std::optional<int> body_terms);

  // Returns the size and mean body length of the articles `search`
  // covers. They move slowly and only weigh terms, so they are cached for
  // kStatsTtl: counting 10,000 articles cost about as much as ranking a
  // query.
  absl::StatusOr<CollectionStats> Stats(mysql::Connection& db, const std::string& tenant,
                                        const ArticleSearch& search);

  static constexpr absl::Duration kStatsTtl = absl::Seconds(30);
  static constexpr size_t kMaxCachedStats = 10000;

  mysql::Pool* pool_;
  feed::Outbox* outbox_;
  std::mutex stats_mu_;
  // By tenant and scope: the stats and when they expire.
  absl::flat_hash_map<std::string, std::pair<CollectionStats, absl::Time>> stats_cache_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_MYSQL_ARTICLE_STORE_H_
