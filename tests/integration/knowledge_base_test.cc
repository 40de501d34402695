// The knowledge base against real MariaDB: every method of
// MysqlArticleStore, then the RPCs through an in-process gRPC server.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/feed/outbox.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/server.h"
#include "common_migrations.h"
#include "services/support/knowledge_base_manager.h"
#include "services/support/knowledge_base_service.h"
#include "services/support/mysql_article_store.h"
#include "services/support/mysql_ticket_store.h"
#include "support_migrations.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::CountRows;
using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;
using ::tandem::testing::TestToken;
using ::tandem::testing::ViolatedFields;
using ::testing::ElementsAre;
namespace sv1 = ::tandem::support::v1;

constexpr absl::Time kForever = absl::InfiniteFuture();

// Counts every row the knowledge base owns, and the outbox: equal before
// and after a refused call means the call wrote nothing.
int64_t KnowledgeBaseRows(mysql::Pool& pool) {
  return CountRows(
      pool,
      "SELECT (SELECT COUNT(*) FROM kb_categories) + (SELECT COUNT(*) FROM "
      "kb_articles) + (SELECT COUNT(*) FROM kb_article_versions) + (SELECT COUNT(*) "
      "FROM kb_terms) + (SELECT COUNT(*) FROM kb_votes) + (SELECT COUNT(*) FROM "
      "kb_ticket_articles) + (SELECT COUNT(*) FROM outbox) + (SELECT COALESCE(SUM(view_count "
      "+ helpful_votes + not_helpful_votes), 0) FROM kb_articles)");
}

sv1::Article NewArticle(const std::string& title, const std::string& body,
                        const std::string& locale = "ja",
                        sv1::Article::State state = sv1::Article::PUBLISHED,
                        absl::Time at = absl::Now()) {
  sv1::Article article;
  article.set_name(ResourceName("articles", NewIdAt(at)));
  article.set_title(title);
  article.set_body(body);
  article.set_locale(locale);
  article.set_state(state);
  article.set_version(1);
  article.set_author("agent-1");
  *article.mutable_create_time() = ToProtoTime(at);
  *article.mutable_update_time() = ToProtoTime(at);
  if (state == sv1::Article::PUBLISHED) *article.mutable_publish_time() = ToProtoTime(at);
  return article;
}

sv1::Category NewCategory(const std::string& display_name, absl::Time at = absl::Now()) {
  sv1::Category category;
  category.set_name(ResourceName("categories", NewIdAt(at)));
  category.set_display_name(display_name);
  *category.mutable_create_time() = ToProtoTime(at);
  *category.mutable_update_time() = ToProtoTime(at);
  return category;
}

support::ArticleSearch SearchFor(const std::string& query, bool include_drafts = false) {
  support::ArticleSearch search;
  search.terms = support::QueryTerms(query);
  search.include_drafts = include_drafts;
  return search;
}

std::vector<std::string> Titles(const support::Page<support::ScoredArticle>& page) {
  std::vector<std::string> titles;
  for (const auto& scored : page.items) titles.push_back(scored.article.title());
  return titles;
}

class KbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate({CommonMigrations(), SupportMigrations()}); }

  sv1::Article Create(const sv1::Article& article, const std::string& tenant = "acme") {
    absl::StatusOr<sv1::Article> created = store_.CreateArticle(tenant, article, {}, kForever);
    EXPECT_OK(created);
    return created.value_or(sv1::Article());
  }

  // Stores a ticket directly, as Support's ticket store does.
  std::string CreateTicket(const std::string& tenant, const std::string& subject,
                           const std::string& description = "") {
    sv1::Ticket ticket;
    const absl::Time now = absl::Now();
    ticket.set_name(ResourceName("tickets", NewIdAt(now)));
    ticket.set_subject(subject);
    ticket.set_description(description);
    ticket.set_channel(sv1::Ticket::EMAIL);
    ticket.set_type(sv1::Ticket::QUESTION);
    ticket.set_priority(sv1::Ticket::NORMAL);
    ticket.set_status(sv1::Ticket::NEW);
    *ticket.mutable_create_time() = ToProtoTime(now);
    *ticket.mutable_update_time() = ToProtoTime(now);
    EXPECT_OK(tickets_.Create(tenant, "agent-1", ticket, {}, kForever));
    return ResourceIdOf(ticket.name());
  }

  int64_t Events(const std::string& type) { return testing::CountEvents(database_.pool(), type); }

  TestDatabase database_{"kb_store"};
  feed::Outbox outbox_{&database_.pool()};
  support::MysqlArticleStore store_{&database_.pool(), &outbox_};
  support::MysqlTicketStore tickets_{&database_.pool(), &outbox_};
};

// Categories: create (idempotent, unique names), get, list in pages,
// update with etags, and delete only when empty.
TEST_F(KbStoreTest, CategoryLifecycle) {
  const absl::Time t0 = absl::Now();
  const CreateKey key{"req-1", "fp-1"};
  ASSERT_OK_AND_ASSIGN(sv1::Category billing,
                       store_.CreateCategory("acme", NewCategory("Billing", t0), key, kForever));
  ASSERT_OK_AND_ASSIGN(sv1::Category again,
                       store_.CreateCategory("acme", NewCategory("Billing", t0), key, kForever));
  EXPECT_EQ(again.name(), billing.name());  // a retry creates nothing
  EXPECT_THAT(store_.CreateCategory("acme", NewCategory("billing"), {}, kForever),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_OK(store_.CreateCategory("globex", NewCategory("Billing"), {}, kForever));
  ASSERT_OK_AND_ASSIGN(
      sv1::Category shipping,
      store_.CreateCategory("acme", NewCategory("Shipping", t0 + absl::Seconds(1)), {}, kForever));

  ASSERT_OK_AND_ASSIGN(sv1::Category read,
                       store_.GetCategory("acme", ResourceIdOf(billing.name()), kForever));
  EXPECT_EQ(read.display_name(), "Billing");
  EXPECT_EQ(read.etag(), billing.etag());
  EXPECT_THAT(store_.GetCategory("globex", ResourceIdOf(billing.name()), kForever),
              StatusIs(absl::StatusCode::kNotFound));

  ListPlan plan;
  plan.page_size = 1;
  plan.newest_first = false;
  ASSERT_OK_AND_ASSIGN(auto first, store_.ListCategories("acme", plan, kForever));
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].display_name(), "Billing");
  EXPECT_TRUE(first.has_more);
  plan.after =
      KeysetPosition{FromProtoTime(first.items[0].create_time()), ResourceIdOf(billing.name())};
  ASSERT_OK_AND_ASSIGN(auto second, store_.ListCategories("acme", plan, kForever));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].display_name(), "Shipping");
  EXPECT_FALSE(second.has_more);

  auto rename = [](const std::string& to) {
    return [to](const sv1::Category& current) -> absl::StatusOr<sv1::Category> {
      sv1::Category after = current;
      after.set_display_name(to);
      return after;
    };
  };
  ASSERT_OK_AND_ASSIGN(sv1::Category renamed,
                       store_.UpdateCategory("acme", ResourceIdOf(billing.name()),
                                             rename("Payments"), absl::Now(), kForever));
  EXPECT_NE(renamed.etag(), billing.etag());
  EXPECT_THAT(store_.UpdateCategory("acme", ResourceIdOf(billing.name()), rename("Shipping"),
                                    absl::Now(), kForever),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_.UpdateCategory("globex", ResourceIdOf(shipping.name()), rename("X"),
                                    absl::Now(), kForever),
              StatusIs(absl::StatusCode::kNotFound));

  sv1::Article article = NewArticle("請求書の再発行", "");
  article.set_category(billing.name());
  Create(article);
  EXPECT_THAT(store_.DeleteCategory("acme", ResourceIdOf(billing.name()), billing.etag(), kForever),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_.DeleteCategory("acme", ResourceIdOf(billing.name()), "", kForever),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_OK(
      store_.DeleteCategory("acme", ResourceIdOf(shipping.name()), shipping.etag(), kForever));
  EXPECT_THAT(store_.GetCategory("acme", ResourceIdOf(shipping.name()), kForever),
              StatusIs(absl::StatusCode::kNotFound));
}

// An article reads back whole; an unknown category writes nothing.
TEST_F(KbStoreTest, CreateArticleRoundTripsAndChecksCategory) {
  sv1::Article article = NewArticle("Reset your password", "Open the sign-in page.", "en");
  article.add_tags("account");
  article.add_tags("login");
  sv1::Article created = Create(article);
  ASSERT_OK_AND_ASSIGN(sv1::Article read,
                       store_.GetArticle("acme", ResourceIdOf(created.name()), kForever));
  EXPECT_EQ(read.title(), "Reset your password");
  EXPECT_EQ(read.body(), "Open the sign-in page.");
  EXPECT_THAT(read.tags(), ElementsAre("account", "login"));
  EXPECT_EQ(read.version(), 1);
  EXPECT_EQ(read.etag(), created.etag());
  EXPECT_EQ(read.author(), "agent-1");
  EXPECT_TRUE(read.has_publish_time());
  EXPECT_THAT(store_.GetArticle("globex", ResourceIdOf(created.name()), kForever),
              StatusIs(absl::StatusCode::kNotFound));

  const int64_t before = KnowledgeBaseRows(database_.pool());
  ASSERT_GT(before, 0);
  sv1::Article orphan = NewArticle("Orphan", "");
  orphan.set_category(ResourceName("categories", NewId()));
  absl::StatusOr<sv1::Article> refused = store_.CreateArticle("acme", orphan, {}, kForever);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(refused.status()).at(0).field, "article.category");
  EXPECT_EQ(KnowledgeBaseRows(database_.pool()), before);
}

// A content change keeps the old version and re-indexes; a state change is
// no new version; both change the etag.
TEST_F(KbStoreTest, UpdateArticleKeepsVersionsAndReindexes) {
  sv1::Article created = Create(NewArticle("配送について", "通常三日でお届けします。"));
  const std::string id = ResourceIdOf(created.name());
  auto set_body = [](const std::string& body) {
    return [body](const sv1::Article& current) -> absl::StatusOr<sv1::Article> {
      sv1::Article after = current;
      after.set_body(body);
      return after;
    };
  };
  ASSERT_OK_AND_ASSIGN(sv1::Article v2,
                       store_.UpdateArticle("acme", id, set_body("速達なら翌日です。"), "agent-2",
                                            absl::Now(), kForever));
  EXPECT_EQ(v2.version(), 2);
  EXPECT_NE(v2.etag(), created.etag());
  ASSERT_OK_AND_ASSIGN(sv1::Article draft,
                       store_.UpdateArticle(
                           "acme", id,
                           [](const sv1::Article& current) -> absl::StatusOr<sv1::Article> {
                             sv1::Article after = current;
                             after.set_state(sv1::Article::DRAFT);
                             return after;
                           },
                           "agent-2", absl::Now(), kForever));
  EXPECT_EQ(draft.version(), 2);
  EXPECT_NE(draft.etag(), v2.etag());
  // Nothing to change: nothing written, same etag.
  ASSERT_OK_AND_ASSIGN(sv1::Article same,
                       store_.UpdateArticle("acme", id, set_body("速達なら翌日です。"), "agent-2",
                                            absl::Now(), kForever));
  EXPECT_EQ(same.etag(), draft.etag());

  ASSERT_OK_AND_ASSIGN(auto versions, store_.ListVersions("acme", id, 0, 1, kForever));
  ASSERT_EQ(versions.items.size(), 1u);
  EXPECT_EQ(versions.items[0].version(), 2);
  EXPECT_EQ(versions.items[0].editor(), "agent-2");
  EXPECT_TRUE(versions.has_more);
  ASSERT_OK_AND_ASSIGN(auto older, store_.ListVersions("acme", id, 2, 10, kForever));
  ASSERT_EQ(older.items.size(), 1u);
  EXPECT_EQ(older.items[0].body(), "通常三日でお届けします。");
  EXPECT_EQ(older.items[0].name(), absl::StrCat("articles/", id, "/versions/1"));
  EXPECT_THAT(store_.ListVersions("globex", id, 0, 10, kForever),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(auto old_word, store_.Search("acme", SearchFor("三日", true), kForever));
  EXPECT_TRUE(old_word.items.empty());
  ASSERT_OK_AND_ASSIGN(auto new_word, store_.Search("acme", SearchFor("速達", true), kForever));
  EXPECT_EQ(new_word.items.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto as_reader, store_.Search("acme", SearchFor("速達", false), kForever));
  EXPECT_TRUE(as_reader.items.empty());  // it is a draft now
}

// Lists filter by locale, state, tag and category, and page by keyset.
TEST_F(KbStoreTest, ListArticlesFiltersAndPages) {
  const absl::Time t0 = absl::Now();
  ASSERT_OK_AND_ASSIGN(sv1::Category category,
                       store_.CreateCategory("acme", NewCategory("Billing"), {}, kForever));
  sv1::Article a = NewArticle("A", "", "ja", sv1::Article::PUBLISHED, t0);
  a.add_tags("refund");
  a.set_category(category.name());
  Create(a);
  Create(NewArticle("B", "", "en", sv1::Article::PUBLISHED, t0 + absl::Seconds(1)));
  Create(NewArticle("C", "", "ja", sv1::Article::DRAFT, t0 + absl::Seconds(2)));
  Create(NewArticle("Other", "", "ja", sv1::Article::PUBLISHED, t0), "globex");
  auto titles = [&](const std::vector<support::ArticleCondition>& conditions) {
    ListPlan plan;
    plan.page_size = 10;
    std::vector<std::string> out;
    auto page = store_.ListArticles("acme", conditions, plan, kForever);
    EXPECT_OK(page);
    for (const auto& article : page->items) {
      EXPECT_TRUE(article.body().empty());
      out.push_back(article.title());
    }
    return out;
  };
  using support::ArticleField;
  EXPECT_THAT(titles({}), ElementsAre("C", "B", "A"));
  EXPECT_THAT(titles({{ArticleField::kLocale, FilterOp::kEq, "ja"}}), ElementsAre("C", "A"));
  EXPECT_THAT(titles({{ArticleField::kState, FilterOp::kEq, "2"}}), ElementsAre("B", "A"));
  EXPECT_THAT(titles({{ArticleField::kTag, FilterOp::kEq, "refund"}}), ElementsAre("A"));
  EXPECT_THAT(titles({{ArticleField::kCategory, FilterOp::kEq, ResourceIdOf(category.name())}}),
              ElementsAre("A"));
  EXPECT_THAT(titles({{ArticleField::kCreateTime, FilterOp::kGt, mysql::FormatDatetime(t0)}}),
              ElementsAre("C", "B"));

  ListPlan plan;
  plan.page_size = 2;
  ASSERT_OK_AND_ASSIGN(auto first, store_.ListArticles("acme", {}, plan, kForever));
  EXPECT_TRUE(first.has_more);
  const sv1::Article& last = first.items.back();
  plan.after = KeysetPosition{FromProtoTime(last.create_time()), ResourceIdOf(last.name())};
  ASSERT_OK_AND_ASSIGN(auto second, store_.ListArticles("acme", {}, plan, kForever));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].title(), "A");
  EXPECT_FALSE(second.has_more);
}

// The judged search cases: Japanese by 「返品」 and 「返金 手続き」, English by
// a body word, drafts never for readers, title above body.
TEST_F(KbStoreTest, SearchFindsJapaneseAndEnglishAndRanksTitleFirst) {
  Create(NewArticle("返品・返金の手続きについて", "ご購入後30日以内であれば承ります。"));
  Create(NewArticle("配送について", "返品の送料はお客様のご負担です。"));
  Create(
      NewArticle("Reset your password", "Open the sign-in page and choose Forgot password.", "en"));
  Create(NewArticle("返品の下書き", "まだ公開しない", "ja", sv1::Article::DRAFT));
  Create(NewArticle("返品・返金の手続きについて", "", "ja"), "globex");

  ASSERT_OK_AND_ASSIGN(auto returns, store_.Search("acme", SearchFor("返品"), kForever));
  EXPECT_THAT(Titles(returns), ElementsAre("返品・返金の手続きについて", "配送について"));
  EXPECT_GT(returns.items[0].score, returns.items[1].score);

  ASSERT_OK_AND_ASSIGN(auto refund, store_.Search("acme", SearchFor("返金 手続き"), kForever));
  EXPECT_THAT(Titles(refund), ElementsAre("返品・返金の手続きについて"));

  ASSERT_OK_AND_ASSIGN(auto english, store_.Search("acme", SearchFor("SIGN-IN"), kForever));
  EXPECT_THAT(Titles(english), ElementsAre("Reset your password"));

  ASSERT_OK_AND_ASSIGN(auto one_char, store_.Search("acme", SearchFor("送"), kForever));
  EXPECT_THAT(Titles(one_char), ElementsAre("配送について"));

  ASSERT_OK_AND_ASSIGN(auto agent, store_.Search("acme", SearchFor("返品", true), kForever));
  EXPECT_EQ(agent.items.size(), 3u);

  support::ArticleSearch english_only = SearchFor("password");
  english_only.locale = "ja";
  ASSERT_OK_AND_ASSIGN(auto none, store_.Search("acme", english_only, kForever));
  EXPECT_TRUE(none.items.empty());

  ASSERT_OK_AND_ASSIGN(auto missing, store_.Search("acme", SearchFor("返品 請求書"), kForever));
  EXPECT_TRUE(missing.items.empty());

  support::ArticleSearch paged = SearchFor("返品");
  paged.limit = 1;
  ASSERT_OK_AND_ASSIGN(auto page1, store_.Search("acme", paged, kForever));
  EXPECT_TRUE(page1.has_more);
  paged.offset = 1;
  ASSERT_OK_AND_ASSIGN(auto page2, store_.Search("acme", paged, kForever));
  EXPECT_THAT(Titles(page2), ElementsAre("配送について"));
  EXPECT_FALSE(page2.has_more);
}

// The database ranks with the formula of text_index.h: its score is
// TermScore() of each condition, summed.
TEST_F(KbStoreTest, SearchScoreIsTermScoreOfEachCondition) {
  Create(NewArticle("Refund policy", "refund refund within thirty days", "en"));
  Create(NewArticle("Shipping", "parcels ship within three days and a refund is rare", "en"));
  Create(NewArticle("Other", "nothing here", "en"));
  ASSERT_OK_AND_ASSIGN(auto page, store_.Search("acme", SearchFor("refund within"), kForever));
  ASSERT_EQ(page.items.size(), 2u);
  // Three published articles with bodies of 5, 10 and 2 terms.
  const support::CollectionStats stats{.articles = 3, .mean_body_terms = 17.0 / 3};
  const double refund_idf = support::InverseDocumentFrequency(2, stats);
  const double within_idf = support::InverseDocumentFrequency(2, stats);
  const double first = support::TermScore(refund_idf, {.title = 1, .body = 2}, 5, stats) +
                       support::TermScore(within_idf, {.title = 0, .body = 1}, 5, stats);
  const double second = support::TermScore(refund_idf, {.title = 0, .body = 1}, 10, stats) +
                        support::TermScore(within_idf, {.title = 0, .body = 1}, 10, stats);
  EXPECT_EQ(page.items[0].article.title(), "Refund policy");
  // Scores come back as text with six decimals, and AVG() has four.
  EXPECT_NEAR(page.items[0].score, first, 1e-4);
  EXPECT_NEAR(page.items[1].score, second, 1e-4);
}

// Optional conditions add to the score; with match_all off any will do.
TEST_F(KbStoreTest, SearchWithOptionalAndAnyConditions) {
  Create(NewArticle("How to reset a password", "", "en"));
  Create(NewArticle("Change your e-mail", "Reset it in settings.", "en"));
  support::ArticleSearch search = SearchFor("reset");
  search.optional_terms = {{"how"}};
  ASSERT_OK_AND_ASSIGN(auto page, store_.Search("acme", search, kForever));
  EXPECT_THAT(Titles(page), ElementsAre("How to reset a password", "Change your e-mail"));
  support::ArticleSearch any = SearchFor("password settings");
  any.match_all = false;
  ASSERT_OK_AND_ASSIGN(auto both, store_.Search("acme", any, kForever));
  EXPECT_EQ(both.items.size(), 2u);
}

// CountMatching counts articles per condition, prefixes included.
TEST_F(KbStoreTest, CountMatchingCountsArticles) {
  Create(NewArticle("返金", "返金 返金"));
  Create(NewArticle("金額", ""));
  ASSERT_OK_AND_ASSIGN(
      auto counts,
      store_.CountMatching("acme", {{"返金"}, {"金", true}, {"nothing"}}, false, "", kForever));
  EXPECT_THAT(counts, ElementsAre(1, 2, 0));
}

// Counting for readers leaves drafts out, so a word only drafts hold does
// not crowd a suggestion's lookups.
TEST_F(KbStoreTest, CountMatchingForReadersLeavesDraftsOut) {
  Create(NewArticle("返金", "返金"));
  Create(NewArticle("返金の下書き", "", "ja", sv1::Article::DRAFT));
  ASSERT_OK_AND_ASSIGN(
      auto all, store_.CountMatching("acme", {{"返金"}, {"下書", true}}, false, "", kForever));
  EXPECT_THAT(all, ElementsAre(2, 1));
  ASSERT_OK_AND_ASSIGN(
      auto published, store_.CountMatching("acme", {{"返金"}, {"下書", true}}, true, "", kForever));
  EXPECT_THAT(published, ElementsAre(1, 0));
}

// Counting in one locale leaves the other locales' articles out, so a
// suggestion in English does not spend a lookup on a word only Japanese
// articles hold.
TEST_F(KbStoreTest, CountMatchingInOneLocaleLeavesOtherLocalesOut) {
  Create(NewArticle("返金 refund", "返金"));
  Create(NewArticle("Refund policy", "refund within thirty days", "en"));
  ASSERT_OK_AND_ASSIGN(
      auto every,
      store_.CountMatching("acme", {{"refund"}, {"返金"}, {"thirt", true}}, true, "", kForever));
  EXPECT_THAT(every, ElementsAre(2, 1, 1));
  ASSERT_OK_AND_ASSIGN(
      auto english,
      store_.CountMatching("acme", {{"refund"}, {"返金"}, {"thirt", true}}, true, "en", kForever));
  EXPECT_THAT(english, ElementsAre(1, 0, 1));
  ASSERT_OK_AND_ASSIGN(
      auto japanese,
      store_.CountMatching("acme", {{"refund"}, {"返金"}, {"thirt", true}}, true, "ja", kForever));
  EXPECT_THAT(japanese, ElementsAre(1, 1, 0));
}

// One vote per voter: voting again replaces it; the same vote is a no-op;
// each change is an ArticleVoted event. Drafts take no votes.
TEST_F(KbStoreTest, VoteReplacesEarlierVote) {
  sv1::Article article = Create(NewArticle("返品", ""));
  const std::string id = ResourceIdOf(article.name());
  ASSERT_OK_AND_ASSIGN(auto voted, store_.Vote("acme", id, "u1", true, absl::Now(), kForever));
  EXPECT_EQ(voted.helpful_votes(), 1);
  EXPECT_EQ(voted.etag(), article.etag());  // counts do not change the etag
  ASSERT_OK(store_.Vote("acme", id, "u2", true, absl::Now(), kForever));
  ASSERT_OK_AND_ASSIGN(auto changed, store_.Vote("acme", id, "u1", false, absl::Now(), kForever));
  EXPECT_EQ(changed.helpful_votes(), 1);
  EXPECT_EQ(changed.not_helpful_votes(), 1);
  ASSERT_OK(store_.Vote("acme", id, "u1", false, absl::Now(), kForever));
  ASSERT_OK_AND_ASSIGN(auto read, store_.GetArticle("acme", id, kForever));
  EXPECT_EQ(read.helpful_votes(), 1);
  EXPECT_EQ(read.not_helpful_votes(), 1);
  EXPECT_EQ(Events("ArticleVoted"), 3);
  EXPECT_THAT(store_.Vote("globex", id, "u1", true, absl::Now(), kForever),
              StatusIs(absl::StatusCode::kNotFound));
  sv1::Article draft = Create(NewArticle("下書き", "", "ja", sv1::Article::DRAFT));
  EXPECT_THAT(store_.Vote("acme", ResourceIdOf(draft.name()), "u1", true, absl::Now(), kForever),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A view counts once per request id, with an ArticleViewed event; drafts
// count none.
TEST_F(KbStoreTest, RecordViewCountsOncePerKey) {
  sv1::Article article = Create(NewArticle("返品", ""));
  const std::string id = ResourceIdOf(article.name());
  const CreateKey key{"view-1", "fp"};
  ASSERT_OK_AND_ASSIGN(auto once, store_.RecordView("acme", id, "u1", key, absl::Now(), kForever));
  EXPECT_EQ(once.view_count(), 1);
  ASSERT_OK_AND_ASSIGN(auto retry, store_.RecordView("acme", id, "u1", key, absl::Now(), kForever));
  EXPECT_EQ(retry.view_count(), 1);
  ASSERT_OK_AND_ASSIGN(auto twice, store_.RecordView("acme", id, "u1", {}, absl::Now(), kForever));
  EXPECT_EQ(twice.view_count(), 2);
  EXPECT_EQ(Events("ArticleViewed"), 2);
  sv1::Article draft = Create(NewArticle("下書き", "", "ja", sv1::Article::DRAFT));
  EXPECT_THAT(
      store_.RecordView("acme", ResourceIdOf(draft.name()), "u1", {}, absl::Now(), kForever),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_.RecordView("globex", id, "u1", {}, absl::Now(), kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Events("ArticleViewed"), 2);
}

// Tickets link to articles of their own tenant only; linking twice keeps
// one link; unlinking removes it; each change is an ArticleLinked event.
TEST_F(KbStoreTest, LinkUnlinkAndListTicketArticles) {
  const std::string ticket = CreateTicket("acme", "返品したい");
  const std::string other_ticket = CreateTicket("globex", "Other");
  sv1::Article a = Create(NewArticle("返品", ""));
  sv1::Article draft = Create(NewArticle("下書き", "", "ja", sv1::Article::DRAFT));
  const absl::Time t0 = absl::Now();
  ASSERT_OK_AND_ASSIGN(
      auto link, store_.Link("acme", ticket, ResourceIdOf(a.name()), "agent-1", t0, kForever));
  EXPECT_EQ(link.article_title(), "返品");
  ASSERT_OK_AND_ASSIGN(auto again, store_.Link("acme", ticket, ResourceIdOf(a.name()), "agent-2",
                                               t0 + absl::Seconds(1), kForever));
  EXPECT_EQ(again.actor(), "agent-1");
  ASSERT_OK(store_.Link("acme", ticket, ResourceIdOf(draft.name()), "agent-1",
                        t0 + absl::Seconds(2), kForever));
  EXPECT_THAT(store_.Link("acme", other_ticket, ResourceIdOf(a.name()), "agent-1", t0, kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_.Link("globex", other_ticket, ResourceIdOf(a.name()), "agent-1", t0, kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Events("ArticleLinked"), 2);

  ASSERT_OK_AND_ASSIGN(auto all, store_.ListLinks("acme", ticket, std::nullopt, 1, true, kForever));
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].article(), a.name());
  EXPECT_TRUE(all.has_more);
  ASSERT_OK_AND_ASSIGN(auto rest,
                       store_.ListLinks("acme", ticket,
                                        KeysetPosition{FromProtoTime(all.items[0].link_time()),
                                                       ResourceIdOf(a.name())},
                                        5, true, kForever));
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(rest.items[0].article(), draft.name());
  ASSERT_OK_AND_ASSIGN(auto published,
                       store_.ListLinks("acme", ticket, std::nullopt, 5, false, kForever));
  EXPECT_EQ(published.items.size(), 1u);
  EXPECT_THAT(store_.ListLinks("acme", other_ticket, std::nullopt, 5, true, kForever),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK(
      store_.Unlink("acme", ticket, ResourceIdOf(a.name()), "agent-1", absl::Now(), kForever));
  EXPECT_THAT(
      store_.Unlink("acme", ticket, ResourceIdOf(a.name()), "agent-1", absl::Now(), kForever),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Events("ArticleLinked"), 3);
}

// A ticket's text is read from the tickets table of the same tenant.
TEST_F(KbStoreTest, TicketTextIsTenantScoped) {
  const std::string ticket = CreateTicket("acme", "返品したい", "箱が壊れていました");
  ASSERT_OK_AND_ASSIGN(auto text, store_.TicketText("acme", ticket, kForever));
  EXPECT_EQ(text.first, "返品したい");
  EXPECT_EQ(text.second, "箱が壊れていました");
  EXPECT_THAT(store_.TicketText("globex", ticket, kForever), StatusIs(absl::StatusCode::kNotFound));
}

// Deleting an article removes everything that hangs off it.
TEST_F(KbStoreTest, DeleteArticleRemovesEverything) {
  const std::string ticket = CreateTicket("acme", "x");
  sv1::Article article = Create(NewArticle("返品", "返品の方法"));
  const std::string id = ResourceIdOf(article.name());
  ASSERT_OK(store_.Vote("acme", id, "u1", true, absl::Now(), kForever));
  ASSERT_OK(store_.Link("acme", ticket, id, "agent-1", absl::Now(), kForever));
  EXPECT_THAT(store_.DeleteArticle("globex", id, "", kForever),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_.DeleteArticle("acme", id, "stale", kForever),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK(store_.DeleteArticle("acme", id, article.etag(), kForever));
  for (const char* table :
       {"kb_articles", "kb_article_versions", "kb_terms", "kb_votes", "kb_ticket_articles"}) {
    EXPECT_EQ(CountRows(database_.pool(), absl::StrCat("SELECT COUNT(*) FROM ", table)), 0)
        << table;
  }
}

// ---------------------------------------------------------------------------
// The RPCs through a real server.

struct KnowledgeBaseServer {
  KnowledgeBaseServer() {
    database.Migrate({CommonMigrations(), SupportMigrations()});
    runner.AddService(&service);
    EXPECT_OK(runner.Start());
  }
  TestDatabase database{"kb_svc"};
  std::unique_ptr<Authenticator> auth = testing::TestAuthenticator();
  PageTokenCodec codec{testing::kTestPageTokenKey};
  feed::Outbox outbox{&database.pool()};
  support::MysqlArticleStore store{&database.pool(), &outbox};
  support::MysqlTicketStore tickets{&database.pool(), &outbox};
  support::KnowledgeBaseManager manager{&store, &codec, &SystemClock::Get()};
  support::KnowledgeBaseServiceImpl service{auth.get(), &manager};
  ServerRunner runner{ServerOptions{.name = "support"}};
};

class KbServiceTest : public ::testing::Test {
 protected:
  KbServiceTest() {
    stub_ = sv1::KnowledgeBaseService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                            grpc::InsecureChannelCredentials()));
  }

  // Calls `method` with a token of `tenant` and `roles`.
  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<sv1::KnowledgeBaseService::Stub, Request, Response> method,
                    const Request& request, Response* response, const std::string& tenant = "acme",
                    std::vector<std::string> roles = {"agent"}) {
    return testing::CallRpc(*stub_, method, request, response, TestToken(tenant, std::move(roles)));
  }

  sv1::Article CreateArticle(const std::string& title, const std::string& body,
                             const std::string& locale = "ja",
                             sv1::Article::State state = sv1::Article::PUBLISHED,
                             const std::string& tenant = "acme") {
    sv1::CreateArticleRequest request;
    request.mutable_article()->set_title(title);
    request.mutable_article()->set_body(body);
    request.mutable_article()->set_locale(locale);
    request.mutable_article()->set_state(state);
    sv1::Article article;
    EXPECT_TRUE(
        Call(&sv1::KnowledgeBaseService::Stub::CreateArticle, request, &article, tenant).ok());
    return article;
  }

  std::string CreateTicket(const std::string& tenant, const std::string& subject,
                           const std::string& description) {
    sv1::Ticket ticket;
    const absl::Time now = absl::Now();
    ticket.set_name(ResourceName("tickets", NewIdAt(now)));
    ticket.set_subject(subject);
    ticket.set_description(description);
    ticket.set_channel(sv1::Ticket::EMAIL);
    ticket.set_type(sv1::Ticket::RETURN);
    ticket.set_priority(sv1::Ticket::NORMAL);
    ticket.set_status(sv1::Ticket::NEW);
    *ticket.mutable_create_time() = ToProtoTime(now);
    *ticket.mutable_update_time() = ToProtoTime(now);
    EXPECT_OK(server_.tickets.Create(tenant, "agent-1", ticket, {}, kForever));
    return ticket.name();
  }

  std::vector<std::string> Search(const std::string& query, std::vector<std::string> roles) {
    sv1::SearchArticlesRequest request;
    request.set_query(query);
    sv1::SearchArticlesResponse response;
    grpc::Status status = Call(&sv1::KnowledgeBaseService::Stub::SearchArticles, request, &response,
                               "acme", std::move(roles));
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> titles;
    for (const auto& match : response.matches()) titles.push_back(match.article().title());
    return titles;
  }

  KnowledgeBaseServer server_;
  std::unique_ptr<sv1::KnowledgeBaseService::Stub> stub_;
};

// The judged search behaviour, end to end, for a viewer and an agent.
TEST_F(KbServiceTest, SearchArticlesThroughTheServer) {
  CreateArticle("返品・返金の手続きについて", "ご購入後30日以内なら承ります。");
  CreateArticle("配送について", "返品の送料はお客様のご負担です。");
  CreateArticle("Reset your password", "Choose Forgot password on the sign-in page.", "en");
  CreateArticle("返品ポリシー改定案", "社内確認中", "ja", sv1::Article::DRAFT);

  EXPECT_THAT(Search("返品", {"viewer"}),
              ElementsAre("返品・返金の手続きについて", "配送について"));
  EXPECT_THAT(Search("返金 手続き", {"viewer"}), ElementsAre("返品・返金の手続きについて"));
  EXPECT_THAT(Search("How do I reset my password?", {"service"}),
              ElementsAre("Reset your password"));
  EXPECT_THAT(Search("forgot", {"csm"}), ElementsAre("Reset your password"));
  EXPECT_THAT(Search("改定", {"viewer"}), ElementsAre());
  EXPECT_THAT(Search("改定", {"agent"}), ElementsAre("返品ポリシー改定案"));
}

// Drafts are NOT_FOUND for readers and never in their lists; writes need
// the agent role.
TEST_F(KbServiceTest, ReadersNeverSeeDrafts) {
  sv1::Article draft = CreateArticle("下書き", "", "ja", sv1::Article::DRAFT);
  CreateArticle("公開済み", "");
  sv1::GetArticleRequest get;
  get.set_name(draft.name());
  sv1::Article read;
  EXPECT_EQ(Call(&sv1::KnowledgeBaseService::Stub::GetArticle, get, &read, "acme", {"viewer"})
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::GetArticle, get, &read, "acme", {"agent"}).ok());
  sv1::ListArticlesRequest list;
  list.set_filter("state = DRAFT");
  sv1::ListArticlesResponse listed;
  ASSERT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::ListArticles, list, &listed, "acme", {"viewer"}).ok());
  EXPECT_EQ(listed.articles_size(), 0);
  sv1::RecordArticleViewRequest view;
  view.set_name(draft.name());
  EXPECT_EQ(
      Call(&sv1::KnowledgeBaseService::Stub::RecordArticleView, view, &read, "acme", {"viewer"})
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      Call(&sv1::KnowledgeBaseService::Stub::RecordArticleView, view, &read, "acme", {"agent"})
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  sv1::CreateArticleRequest create;
  create.mutable_article()->set_title("x");
  create.mutable_article()->set_locale("en");
  EXPECT_EQ(Call(&sv1::KnowledgeBaseService::Stub::CreateArticle, create, &read, "acme", {"viewer"})
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Updating publishes, keeps the old version, and refuses a stale etag.
TEST_F(KbServiceTest, UpdateArticleKeepsVersionsAndHonoursEtag) {
  sv1::Article draft = CreateArticle("返品について", "旧本文", "ja", sv1::Article::DRAFT);
  sv1::UpdateArticleRequest update;
  update.mutable_article()->set_name(draft.name());
  update.mutable_article()->set_etag(draft.etag());
  update.mutable_article()->set_body("新本文");
  update.mutable_article()->set_state(sv1::Article::PUBLISHED);
  update.mutable_update_mask()->add_paths("body");
  update.mutable_update_mask()->add_paths("state");
  sv1::Article updated;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::UpdateArticle, update, &updated).ok());
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.state(), sv1::Article::PUBLISHED);
  EXPECT_TRUE(updated.has_publish_time());
  EXPECT_EQ(Call(&sv1::KnowledgeBaseService::Stub::UpdateArticle, update, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  sv1::ListArticleVersionsRequest versions;
  versions.set_parent(draft.name());
  sv1::ListArticleVersionsResponse listed;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::ListArticleVersions, versions, &listed).ok());
  ASSERT_EQ(listed.versions_size(), 2);
  EXPECT_EQ(listed.versions(0).body(), "新本文");
  EXPECT_EQ(listed.versions(1).body(), "旧本文");
  EXPECT_THAT(Search("新本文", {"viewer"}), ElementsAre("返品について"));
}

// Votes, views, suggestions and links, through the server.
TEST_F(KbServiceTest, VotesViewsSuggestionsAndLinks) {
  sv1::Article refund = CreateArticle("返品・返金の手続きについて", "返品は30日以内に。");
  CreateArticle("配送について", "通常三日でお届けします。");
  CreateArticle("Reset your password", "", "en");
  const std::string ticket =
      CreateTicket("acme", "返品したいです", "届いた商品が壊れていたので返金してください。");

  sv1::VoteArticleRequest vote;
  vote.set_name(refund.name());
  vote.set_helpful(true);
  sv1::Article voted;
  ASSERT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::VoteArticle, vote, &voted, "acme", {"viewer"}).ok());
  EXPECT_EQ(voted.helpful_votes(), 1);
  sv1::RecordArticleViewRequest view;
  view.set_name(refund.name());
  view.set_request_id("view-1");
  sv1::Article viewed;
  ASSERT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::RecordArticleView, view, &viewed, "acme", {"service"})
          .ok());
  ASSERT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::RecordArticleView, view, &viewed, "acme", {"service"})
          .ok());
  EXPECT_EQ(viewed.view_count(), 1);

  sv1::SuggestArticlesRequest suggest;
  suggest.set_ticket(ticket);
  sv1::SuggestArticlesResponse suggestions;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::SuggestArticles, suggest, &suggestions).ok());
  ASSERT_GE(suggestions.matches_size(), 1);
  EXPECT_EQ(suggestions.matches(0).article().name(), refund.name());
  suggest.set_text("I forgot my password");
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::SuggestArticles, suggest, &suggestions).ok());
  ASSERT_EQ(suggestions.matches_size(), 1);
  EXPECT_EQ(suggestions.matches(0).article().title(), "Reset your password");

  sv1::LinkArticleRequest link;
  link.set_ticket(ticket);
  link.set_article(refund.name());
  sv1::TicketArticleLink linked;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::LinkArticle, link, &linked).ok());
  sv1::ListTicketArticlesRequest list;
  list.set_parent(ticket);
  sv1::ListTicketArticlesResponse links;
  ASSERT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::ListTicketArticles, list, &links, "acme", {"csm"})
          .ok());
  ASSERT_EQ(links.links_size(), 1);
  EXPECT_EQ(links.links(0).article_title(), "返品・返金の手続きについて");
  sv1::UnlinkArticleRequest unlink;
  unlink.set_ticket(ticket);
  unlink.set_article(refund.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::UnlinkArticle, unlink, &empty).ok());
  EXPECT_EQ(CountRows(server_.database.pool(),
                      "SELECT COUNT(*) FROM outbox WHERE event_type IN ('ArticleVoted', "
                      "'ArticleViewed', 'ArticleLinked')"),
            4);
}

// Another tenant's ids are NOT_FOUND on every call that names them, and
// nothing is written.
TEST_F(KbServiceTest, OtherTenantsIdsAreNotFound) {
  sv1::Article article = CreateArticle("返品", "", "ja", sv1::Article::PUBLISHED, "globex");
  const std::string ticket = CreateTicket("globex", "x", "");
  sv1::CreateCategoryRequest category_request;
  category_request.mutable_category()->set_display_name("Billing");
  sv1::Category category;
  ASSERT_TRUE(
      Call(&sv1::KnowledgeBaseService::Stub::CreateCategory, category_request, &category, "globex")
          .ok());
  const int64_t before = KnowledgeBaseRows(server_.database.pool());
  ASSERT_GT(before, 0);
  using Stub = sv1::KnowledgeBaseService::Stub;
  sv1::Article out_article;
  sv1::Category out_category;
  google::protobuf::Empty empty;
  auto code = [](const grpc::Status& status) { return status.error_code(); };
  {
    sv1::GetArticleRequest r;
    r.set_name(article.name());
    EXPECT_EQ(code(Call(&Stub::GetArticle, r, &out_article)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::UpdateArticleRequest r;
    r.mutable_article()->set_name(article.name());
    r.mutable_article()->set_title("stolen");
    r.mutable_update_mask()->add_paths("title");
    EXPECT_EQ(code(Call(&Stub::UpdateArticle, r, &out_article)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::DeleteArticleRequest r;
    r.set_name(article.name());
    EXPECT_EQ(code(Call(&Stub::DeleteArticle, r, &empty)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::ListArticleVersionsRequest r;
    r.set_parent(article.name());
    sv1::ListArticleVersionsResponse out;
    EXPECT_EQ(code(Call(&Stub::ListArticleVersions, r, &out)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::VoteArticleRequest r;
    r.set_name(article.name());
    EXPECT_EQ(code(Call(&Stub::VoteArticle, r, &out_article)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::RecordArticleViewRequest r;
    r.set_name(article.name());
    EXPECT_EQ(code(Call(&Stub::RecordArticleView, r, &out_article)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::GetCategoryRequest r;
    r.set_name(category.name());
    EXPECT_EQ(code(Call(&Stub::GetCategory, r, &out_category)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::UpdateCategoryRequest r;
    r.mutable_category()->set_name(category.name());
    r.mutable_category()->set_display_name("x");
    r.mutable_update_mask()->add_paths("display_name");
    EXPECT_EQ(code(Call(&Stub::UpdateCategory, r, &out_category)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::DeleteCategoryRequest r;
    r.set_name(category.name());
    EXPECT_EQ(code(Call(&Stub::DeleteCategory, r, &empty)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::LinkArticleRequest r;
    r.set_ticket(ticket);
    r.set_article(article.name());
    sv1::TicketArticleLink out;
    EXPECT_EQ(code(Call(&Stub::LinkArticle, r, &out)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::ListTicketArticlesRequest r;
    r.set_parent(ticket);
    sv1::ListTicketArticlesResponse out;
    EXPECT_EQ(code(Call(&Stub::ListTicketArticles, r, &out)), grpc::StatusCode::NOT_FOUND);
  }
  {
    sv1::SuggestArticlesRequest r;
    r.set_ticket(ticket);
    sv1::SuggestArticlesResponse out;
    EXPECT_EQ(code(Call(&Stub::SuggestArticles, r, &out)), grpc::StatusCode::NOT_FOUND);
  }
  {
    // Another tenant's category inside a new article: a field violation.
    sv1::CreateArticleRequest r;
    r.mutable_article()->set_title("x");
    r.mutable_article()->set_locale("ja");
    r.mutable_article()->set_category(category.name());
    grpc::Status status = Call(&Stub::CreateArticle, r, &out_article);
    EXPECT_EQ(code(status), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(status), ElementsAre("article.category"));
  }
  EXPECT_EQ(KnowledgeBaseRows(server_.database.pool()), before);
}

// Every RPC answers bad input with INVALID_ARGUMENT naming the field, and
// writes nothing.
TEST_F(KbServiceTest, BadInputIsInvalidArgumentWithFieldAndWritesNothing) {
  sv1::Article article = CreateArticle("返品", "");
  const int64_t before = KnowledgeBaseRows(server_.database.pool());
  ASSERT_GT(before, 0);
  using Stub = sv1::KnowledgeBaseService::Stub;
  auto expect_invalid = [&](const grpc::Status& status, const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(ViolatedFields(status), ::testing::Contains(field)) << status.error_message();
  };
  const std::string oversized(300, 'x');
  sv1::Category category;
  sv1::Article out;
  google::protobuf::Empty empty;
  {
    sv1::CreateCategoryRequest r;
    expect_invalid(Call(&Stub::CreateCategory, r, &category), "category");
    r.mutable_category()->set_display_name(oversized);
    expect_invalid(Call(&Stub::CreateCategory, r, &category), "category.display_name");
    r.mutable_category()->set_display_name("ok");
    r.set_request_id("bad id");
    expect_invalid(Call(&Stub::CreateCategory, r, &category), "request_id");
  }
  {
    sv1::GetCategoryRequest r;
    expect_invalid(Call(&Stub::GetCategory, r, &category), "name");
  }
  {
    sv1::ListCategoriesRequest r;
    r.set_page_token("garbage");
    sv1::ListCategoriesResponse o;
    expect_invalid(Call(&Stub::ListCategories, r, &o), "page_token");
    r.set_page_token("");
    r.set_order_by("display_name");
    expect_invalid(Call(&Stub::ListCategories, r, &o), "order_by");
  }
  {
    sv1::UpdateCategoryRequest r;
    r.mutable_category()->set_name("categories/nope");
    r.mutable_update_mask()->add_paths("etag");
    grpc::Status status = Call(&Stub::UpdateCategory, r, &category);
    expect_invalid(status, "update_mask");
    expect_invalid(status, "category.name");
  }
  {
    sv1::DeleteCategoryRequest r;
    r.set_name("articles/01JABCDEFGHJKMNPQRSTVWXYZ0");
    expect_invalid(Call(&Stub::DeleteCategory, r, &empty), "name");
  }
  {
    sv1::CreateArticleRequest r;
    r.mutable_article()->set_title(oversized);
    r.mutable_article()->set_locale("en");
    expect_invalid(Call(&Stub::CreateArticle, r, &out), "article.title");
    r.mutable_article()->set_title("ok");
    r.mutable_article()->set_locale("");
    expect_invalid(Call(&Stub::CreateArticle, r, &out), "article.locale");
    r.mutable_article()->set_locale("en");
    r.mutable_article()->set_state(static_cast<sv1::Article::State>(9));
    expect_invalid(Call(&Stub::CreateArticle, r, &out), "article.state");
  }
  {
    sv1::GetArticleRequest r;
    r.set_name("articles/../etc");
    expect_invalid(Call(&Stub::GetArticle, r, &out), "name");
  }
  {
    sv1::ListArticlesRequest r;
    r.set_filter("state = GONE");
    sv1::ListArticlesResponse o;
    expect_invalid(Call(&Stub::ListArticles, r, &o), "filter");
    r.set_filter("");
    r.set_page_size(-1);
    expect_invalid(Call(&Stub::ListArticles, r, &o), "page_size");
  }
  {
    sv1::UpdateArticleRequest r;
    r.mutable_article()->set_name(article.name());
    r.mutable_article()->set_state(sv1::Article::STATE_UNSPECIFIED);
    r.mutable_update_mask()->add_paths("state");
    expect_invalid(Call(&Stub::UpdateArticle, r, &out), "article.state");
    r.mutable_update_mask()->Clear();
    expect_invalid(Call(&Stub::UpdateArticle, r, &out), "update_mask");
  }
  {
    sv1::DeleteArticleRequest r;
    expect_invalid(Call(&Stub::DeleteArticle, r, &empty), "name");
  }
  {
    sv1::ListArticleVersionsRequest r;
    r.set_parent(article.name());
    r.set_page_token("garbage");
    sv1::ListArticleVersionsResponse o;
    expect_invalid(Call(&Stub::ListArticleVersions, r, &o), "page_token");
  }
  {
    sv1::SearchArticlesRequest r;
    sv1::SearchArticlesResponse o;
    expect_invalid(Call(&Stub::SearchArticles, r, &o), "query");
    r.set_query(std::string(600, 'a'));
    expect_invalid(Call(&Stub::SearchArticles, r, &o), "query");
    r.set_query("返品");
    r.set_locale("日本語");
    expect_invalid(Call(&Stub::SearchArticles, r, &o), "locale");
  }
  {
    sv1::VoteArticleRequest r;
    r.set_name(article.name());
    r.set_voter(oversized);
    expect_invalid(Call(&Stub::VoteArticle, r, &out, "acme", {"service"}), "voter");
  }
  {
    sv1::RecordArticleViewRequest r;
    r.set_name(article.name());
    r.set_request_id(std::string(200, 'a'));
    expect_invalid(Call(&Stub::RecordArticleView, r, &out), "request_id");
  }
  {
    sv1::SuggestArticlesRequest r;
    sv1::SuggestArticlesResponse o;
    expect_invalid(Call(&Stub::SuggestArticles, r, &o), "ticket");
    r.set_text(std::string(70000, 'a'));
    expect_invalid(Call(&Stub::SuggestArticles, r, &o), "text");
  }
  {
    sv1::LinkArticleRequest r;
    r.set_article(article.name());
    sv1::TicketArticleLink o;
    expect_invalid(Call(&Stub::LinkArticle, r, &o), "ticket");
  }
  {
    sv1::UnlinkArticleRequest r;
    r.set_ticket("tickets/01JABCDEFGHJKMNPQRSTVWXYZ0");
    expect_invalid(Call(&Stub::UnlinkArticle, r, &empty), "article");
  }
  {
    sv1::ListTicketArticlesRequest r;
    sv1::ListTicketArticlesResponse o;
    expect_invalid(Call(&Stub::ListTicketArticles, r, &o), "parent");
  }
  EXPECT_EQ(KnowledgeBaseRows(server_.database.pool()), before);
}

// Pages of ListArticles continue where they stopped; a token is bound to
// its filter.
TEST_F(KbServiceTest, ListArticlesPagesWithTokens) {
  for (int i = 0; i < 3; ++i) CreateArticle(absl::StrCat("記事", i), "", "ja");
  sv1::ListArticlesRequest request;
  request.set_page_size(2);
  request.set_filter("locale = ja");
  sv1::ListArticlesResponse first;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::ListArticles, request, &first).ok());
  ASSERT_EQ(first.articles_size(), 2);
  request.set_page_token(first.next_page_token());
  sv1::ListArticlesResponse second;
  ASSERT_TRUE(Call(&sv1::KnowledgeBaseService::Stub::ListArticles, request, &second).ok());
  ASSERT_EQ(second.articles_size(), 1);
  EXPECT_EQ(second.articles(0).title(), "記事0");
  EXPECT_TRUE(second.next_page_token().empty());
  request.set_filter("locale = en");
  EXPECT_EQ(Call(&sv1::KnowledgeBaseService::Stub::ListArticles, request, &second).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace tandem
