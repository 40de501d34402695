#include "services/support/knowledge_base_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "tests/testing/mocks.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::MockArticleStore;
using ::tandem::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::UnorderedElementsAre;

constexpr char kArticleId[] = "01JABCDEFGHJKMNPQRSTVWXYZ0";
constexpr char kArticle[] = "articles/01JABCDEFGHJKMNPQRSTVWXYZ0";
constexpr char kTicket[] = "tickets/01JABCDEFGHJKMNPQRSTVWXYZ1";

const Principal kAgent{"acme", "agent-1", {"agent"}};
const Principal kViewer{"acme", "viewer-1", {"viewer"}};
const Principal kService{"acme", "help-centre", {"service"}};

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& violation : FieldViolationsOf(status))
    fields.push_back(violation.field);
  return fields;
}

v1::Article Article(v1::Article::State state) {
  v1::Article article;
  article.set_name(kArticle);
  article.set_title("返品・返金の手続きについて");
  article.set_locale("ja");
  article.set_state(state);
  article.set_etag("etag-1");
  return article;
}

class KnowledgeBaseManagerTest : public ::testing::Test {
 protected:
  KnowledgeBaseManagerTest()
      : clock_(absl::FromUnixSeconds(1'790'000'000)),
        codec_("key"),
        manager_(&store_, &codec_, &clock_) {}

  FakeClock clock_;
  PageTokenCodec codec_;
  ::testing::StrictMock<MockArticleStore> store_;
  KnowledgeBaseManager manager_;
};

// Every bad field of a new article is reported at once; nothing is stored.
TEST_F(KnowledgeBaseManagerTest, CreateArticleReportsEveryBadFieldAndStoresNothing) {
  v1::CreateArticleRequest request;
  v1::Article& article = *request.mutable_article();
  article.set_title("   ");
  article.set_body(std::string(200000, 'x'));
  article.set_locale("japanese!");
  article.set_category("tickets/01JABCDEFGHJKMNPQRSTVWXYZ0");
  article.set_state(static_cast<v1::Article::State>(7));
  article.add_tags("Bad Tag");
  request.set_request_id("no spaces allowed");
  absl::StatusOr<v1::Article> created =
      manager_.CreateArticle(kAgent, request, absl::InfiniteFuture());
  EXPECT_THAT(created, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolatedFields(created.status()),
              UnorderedElementsAre("request_id", "article.title", "article.body", "article.locale",
                                   "article.category", "article.state", "article.tags[0]"));
}

// A new article is a draft by its caller, version 1, with sorted tags.
TEST_F(KnowledgeBaseManagerTest, CreateArticleDefaultsToDraftVersionOne) {
  v1::CreateArticleRequest request;
  request.mutable_article()->set_title("  Reset your password ");
  request.mutable_article()->set_locale("en-US");
  request.mutable_article()->add_tags("login");
  request.mutable_article()->add_tags("account");
  request.mutable_article()->add_tags("login");
  request.mutable_article()->set_helpful_votes(99);  // output only: ignored
  EXPECT_CALL(store_, CreateArticle("acme", _, _, _))
      .WillOnce(Invoke([](const std::string&, const v1::Article& article, const CreateKey&,
                          absl::Time) { return article; }));
  ASSERT_OK_AND_ASSIGN(v1::Article created,
                       manager_.CreateArticle(kAgent, request, absl::InfiniteFuture()));
  EXPECT_EQ(created.state(), v1::Article::DRAFT);
  EXPECT_EQ(created.version(), 1);
  EXPECT_EQ(created.title(), "Reset your password");
  EXPECT_EQ(created.author(), "agent-1");
  EXPECT_EQ(created.helpful_votes(), 0);
  EXPECT_FALSE(created.has_publish_time());
  EXPECT_THAT(created.tags(), ElementsAre("account", "login"));
}

// A draft is NOT_FOUND for a viewer, and visible to an agent.
TEST_F(KnowledgeBaseManagerTest, DraftIsNotFoundForViewers) {
  EXPECT_CALL(store_, GetArticle("acme", kArticleId, _))
      .WillRepeatedly(Return(Article(v1::Article::DRAFT)));
  v1::GetArticleRequest request;
  request.set_name(kArticle);
  EXPECT_THAT(manager_.GetArticle(kViewer, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(manager_.GetArticle(kAgent, request, absl::InfiniteFuture()));
}

// A viewer's list is limited to published articles, whatever the filter.
TEST_F(KnowledgeBaseManagerTest, ViewerListsOnlyPublishedArticles) {
  std::vector<ArticleCondition> seen;
  EXPECT_CALL(store_, ListArticles("acme", _, _, _))
      .WillOnce(Invoke([&](const std::string&, const std::vector<ArticleCondition>& conditions,
                           const ListPlan&, absl::Time) {
        seen = conditions;
        return Page<v1::Article>{};
      }));
  v1::ListArticlesRequest request;
  request.set_filter("state = DRAFT AND locale = ja");
  ASSERT_OK(manager_.ListArticles(kViewer, request, absl::InfiniteFuture()));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].field, ArticleField::kState);
  EXPECT_EQ(seen[2].value, "2");  // PUBLISHED, AND-ed with the caller's DRAFT: nothing
}

// Bad filters are INVALID_ARGUMENT on `filter`, before the store is asked.
TEST_F(KnowledgeBaseManagerTest, BadFiltersAreRejected) {
  for (const char* filter :
       {"state = ARCHIVED", "colour = red", "locale > ja",
        "category = articles/01JABCDEFGHJKMNPQRSTVWXYZ0", "create_time > yesterday"}) {
    v1::ListArticlesRequest request;
    request.set_filter(filter);
    absl::StatusOr<v1::ListArticlesResponse> list =
        manager_.ListArticles(kAgent, request, absl::InfiniteFuture());
    EXPECT_THAT(list, StatusIs(absl::StatusCode::kInvalidArgument)) << filter;
    EXPECT_THAT(ViolatedFields(list.status()), ElementsAre("filter")) << filter;
  }
}

// Common English words are optional in a search; the rest are required.
TEST_F(KnowledgeBaseManagerTest, SearchRequiresOnlyTheSpecificWords) {
  ArticleSearch seen;
  EXPECT_CALL(store_, Search("acme", _, _))
      .WillOnce(Invoke([&](const std::string&, const ArticleSearch& search, absl::Time) {
        seen = search;
        return Page<ScoredArticle>{};
      }));
  v1::SearchArticlesRequest request;
  request.set_query("How to reset my password");
  ASSERT_OK(manager_.SearchArticles(kViewer, request, absl::InfiniteFuture()));
  EXPECT_TRUE(seen.match_all);
  EXPECT_FALSE(seen.include_drafts);
  EXPECT_THAT(seen.terms, ElementsAre(QueryTerm{"reset"}, QueryTerm{"password"}));
  EXPECT_THAT(seen.optional_terms, ElementsAre(QueryTerm{"how"}, QueryTerm{"to"}, QueryTerm{"my"}));
  EXPECT_EQ(seen.limit, 10);
}

// Agents search drafts too; results carry a snippet and no body.
TEST_F(KnowledgeBaseManagerTest, AgentsSearchDraftsAndGetSnippets) {
  EXPECT_CALL(store_, Search("acme", _, _))
      .WillOnce(Invoke([&](const std::string&, const ArticleSearch& search, absl::Time) {
        EXPECT_TRUE(search.include_drafts);
        v1::Article article = Article(v1::Article::DRAFT);
        article.set_body("ご購入から30日以内なら返品できます。");
        return Page<ScoredArticle>{{{article, 4.5}}, true};
      }));
  v1::SearchArticlesRequest request;
  request.set_query("返品");
  request.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(v1::SearchArticlesResponse response,
                       manager_.SearchArticles(kAgent, request, absl::InfiniteFuture()));
  ASSERT_EQ(response.matches_size(), 1);
  EXPECT_TRUE(response.matches(0).article().body().empty());
  EXPECT_EQ(response.matches(0).snippet(), "ご購入から30日以内なら返品できます。");
  EXPECT_DOUBLE_EQ(response.matches(0).score(), 4.5);
  EXPECT_FALSE(response.next_page_token().empty());
}

// Bad search requests are INVALID_ARGUMENT with the field, store untouched.
TEST_F(KnowledgeBaseManagerTest, BadSearchRequestsAreRejected) {
  auto fields = [&](const v1::SearchArticlesRequest& request) {
    absl::StatusOr<v1::SearchArticlesResponse> response =
        manager_.SearchArticles(kViewer, request, absl::InfiniteFuture());
    EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument));
    return ViolatedFields(response.status());
  };
  v1::SearchArticlesRequest request;
  EXPECT_THAT(fields(request), ElementsAre("query"));
  request.set_query(" !? ・ ");
  EXPECT_THAT(fields(request), ElementsAre("query"));
  request.set_query(std::string(501, 'a'));
  EXPECT_THAT(fields(request), ElementsAre("query"));
  request.set_query("refund");
  request.set_locale("not a locale");
  request.set_category("categories/x");
  request.set_page_size(-1);
  EXPECT_THAT(fields(request), UnorderedElementsAre("locale", "category", "page_size"));
  v1::SearchArticlesRequest forged;
  forged.set_query("refund");
  forged.set_page_token("bm90LWEtdG9rZW4");
  EXPECT_THAT(fields(forged), ElementsAre("page_token"));
}

// A page token of one search does not continue another.
TEST_F(KnowledgeBaseManagerTest, SearchTokenIsBoundToItsQuery) {
  EXPECT_CALL(store_, Search("acme", _, _))
      .WillOnce(Invoke([&](const std::string&, const ArticleSearch&, absl::Time) {
        return Page<ScoredArticle>{{{Article(v1::Article::PUBLISHED), 1}}, true};
      }));
  v1::SearchArticlesRequest request;
  request.set_query("返品");
  request.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(v1::SearchArticlesResponse first,
                       manager_.SearchArticles(kViewer, request, absl::InfiniteFuture()));
  request.set_query("返金");
  request.set_page_token(first.next_page_token());
  EXPECT_THAT(manager_.SearchArticles(kViewer, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// An update may only name the updatable fields; a stale etag is ABORTED.
TEST_F(KnowledgeBaseManagerTest, UpdateArticleChecksMaskAndEtag) {
  v1::UpdateArticleRequest request;
  request.mutable_article()->set_name(kArticle);
  request.mutable_update_mask()->add_paths("view_count");
  absl::StatusOr<v1::Article> rejected =
      manager_.UpdateArticle(kAgent, request, absl::InfiniteFuture());
  EXPECT_THAT(ViolatedFields(rejected.status()), ElementsAre("update_mask"));

  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("state");
  request.mutable_article()->set_state(v1::Article::PUBLISHED);
  request.mutable_article()->set_etag("stale");
  EXPECT_CALL(store_, UpdateArticle("acme", kArticleId, _, "agent-1", _, _))
      .WillRepeatedly(Invoke([](const std::string&, const std::string&,
                                const ArticleDecision& decide, const std::string&, absl::Time,
                                absl::Time) { return decide(Article(v1::Article::DRAFT)); }));
  EXPECT_THAT(manager_.UpdateArticle(kAgent, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kAborted));

  // Publishing stamps the publish time.
  request.mutable_article()->set_etag("etag-1");
  ASSERT_OK_AND_ASSIGN(v1::Article published,
                       manager_.UpdateArticle(kAgent, request, absl::InfiniteFuture()));
  EXPECT_EQ(published.state(), v1::Article::PUBLISHED);
  EXPECT_EQ(FromProtoTime(published.publish_time()), clock_.Now());
}

// Only a service may vote for someone else.
TEST_F(KnowledgeBaseManagerTest, VotingForSomeoneElseNeedsTheServiceRole) {
  v1::VoteArticleRequest request;
  request.set_name(kArticle);
  request.set_helpful(true);
  request.set_voter("visitor-42");
  EXPECT_THAT(manager_.VoteArticle(kViewer, request, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_CALL(store_, GetArticle("acme", kArticleId, _))
      .WillOnce(Return(Article(v1::Article::PUBLISHED)));
  EXPECT_CALL(store_, Vote("acme", kArticleId, "visitor-42", true, _, _))
      .WillOnce(Return(Article(v1::Article::PUBLISHED)));
  EXPECT_OK(manager_.VoteArticle(kService, request, absl::InfiniteFuture()));
}

// A suggestion for a ticket ranks by the ticket's most specific words that
// the knowledge base knows (in the locale asked for), and never offers
// drafts.
TEST_F(KnowledgeBaseManagerTest, SuggestUsesTheTicketsRarestKnownWords) {
  EXPECT_CALL(store_, TicketText("acme", "01JABCDEFGHJKMNPQRSTVWXYZ1", _))
      .WillOnce(Return(std::make_pair(std::string("Refund please"),
                                      std::string("How do I get a refund for my order"))));
  EXPECT_CALL(store_, CountMatching("acme", _, true, "en", _))
      .WillOnce(Invoke([](const std::string&, const std::vector<QueryTerm>& terms, bool,
                          const std::string&, absl::Time) {
        // refund, please, get, order: "please" is unknown, "order" common.
        EXPECT_THAT(terms, ElementsAre(QueryTerm{"refund"}, QueryTerm{"please"}, QueryTerm{"get"},
                                       QueryTerm{"order"}));
        return std::vector<int64_t>{3, 0, 40, 90};
      }));
  ArticleSearch seen;
  EXPECT_CALL(store_, Search("acme", _, _))
      .WillOnce(Invoke([&](const std::string&, const ArticleSearch& search, absl::Time) {
        seen = search;
        return Page<ScoredArticle>{};
      }));
  v1::SuggestArticlesRequest request;
  request.set_ticket(kTicket);
  request.set_locale("en");  // counted and searched in that locale
  ASSERT_OK(manager_.SuggestArticles(kAgent, request, absl::InfiniteFuture()));
  EXPECT_EQ(seen.locale, "en");
  EXPECT_FALSE(seen.match_all);
  EXPECT_FALSE(seen.include_drafts);
  EXPECT_THAT(seen.terms, ElementsAre(QueryTerm{"refund"}, QueryTerm{"get"}, QueryTerm{"order"}));
  EXPECT_EQ(seen.limit, 5);
}

// A suggestion needs a ticket or text.
TEST_F(KnowledgeBaseManagerTest, SuggestWithoutSourceIsInvalid) {
  v1::SuggestArticlesRequest request;
  absl::StatusOr<v1::SuggestArticlesResponse> response =
      manager_.SuggestArticles(kAgent, request, absl::InfiniteFuture());
  EXPECT_THAT(ViolatedFields(response.status()), ElementsAre("ticket"));
  request.set_ticket("tickets/nope");
  response = manager_.SuggestArticles(kAgent, request, absl::InfiniteFuture());
  EXPECT_THAT(ViolatedFields(response.status()), ElementsAre("ticket"));
}

// Links need well-formed names, each reported on its own field.
TEST_F(KnowledgeBaseManagerTest, LinkReportsBothNames) {
  v1::LinkArticleRequest request;
  request.set_ticket("articles/01JABCDEFGHJKMNPQRSTVWXYZ0");
  absl::StatusOr<v1::TicketArticleLink> link =
      manager_.LinkArticle(kAgent, request, absl::InfiniteFuture());
  EXPECT_THAT(ViolatedFields(link.status()), UnorderedElementsAre("ticket", "article"));
}

}  // namespace
}  // namespace tandem::support
