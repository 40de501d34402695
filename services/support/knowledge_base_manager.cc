#include "services/support/knowledge_base_manager.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/support/ticket_manager.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxDescription = 2000;
constexpr size_t kMaxTitle = 250;
constexpr size_t kMaxBody = 131072;
constexpr size_t kMaxLocale = 35;
constexpr int kMaxTags = 20;
constexpr size_t kMaxTag = 64;
constexpr size_t kMaxQuery = 500;
constexpr size_t kMaxQueryTerms = 100;
constexpr size_t kMaxSuggestText = 65536;
constexpr size_t kMaxVoter = 128;
// How deep a search pages: past this, a better query is the way on.
constexpr int kMaxSearchDepth = 500;
// How many of a ticket's words a suggestion looks up, and how many of the
// most specific of those it ranks by.
constexpr size_t kMaxSuggestLookups = 200;
constexpr size_t kMaxSuggestTerms = 24;

bool ValidTag(const std::string& tag) {
  return !tag.empty() && tag.size() <= kMaxTag && std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// A BCP 47 tag in its common shape: a 2-3 letter language, then subtags of
// 1-8 letters or digits, e.g. "ja", "en-US", "zh-Hant-TW".
bool ValidLocale(absl::string_view locale) {
  if (locale.empty() || locale.size() > kMaxLocale) return false;
  size_t i = 0;
  while (i < locale.size() && absl::ascii_isalpha(static_cast<unsigned char>(locale[i]))) ++i;
  if (i < 2 || i > 3) return false;
  while (i < locale.size()) {
    if (locale[i] != '-') return false;
    size_t j = ++i;
    while (j < locale.size() && absl::ascii_isalnum(static_cast<unsigned char>(locale[j]))) ++j;
    if (j == i || j - i > 8) return false;
    i = j;
  }
  return true;
}

void CheckCategoryFields(const v1::Category& category,
                         const std::function<bool(absl::string_view)>& checked,
                         FieldViolations& violations) {
  if (checked("display_name")) {
    if (absl::StripAsciiWhitespace(category.display_name()).empty()) {
      violations.Add("category.display_name", "is required");
    } else if (category.display_name().size() > kMaxDisplayName) {
      violations.Add("category.display_name",
                     absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
    }
  }
  if (checked("description") && category.description().size() > kMaxDescription) {
    violations.Add("category.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
}

void CheckArticleFields(const v1::Article& article,
                        const std::function<bool(absl::string_view)>& checked,
                        FieldViolations& violations) {
  if (checked("title")) {
    if (absl::StripAsciiWhitespace(article.title()).empty()) {
      violations.Add("article.title", "is required");
    } else if (article.title().size() > kMaxTitle) {
      violations.Add("article.title", absl::StrCat("must be at most ", kMaxTitle, " bytes"));
    }
  }
  if (checked("body") && article.body().size() > kMaxBody) {
    violations.Add("article.body", absl::StrCat("must be at most ", kMaxBody, " bytes"));
  }
  if (checked("locale") && !ValidLocale(article.locale())) {
    violations.Add("article.locale", "must be a BCP 47 language tag such as \"ja\" or \"en-US\"");
  }
  if (checked("category") && !article.category().empty() &&
      !ParseResourceName("article.category", "categories", article.category()).ok()) {
    violations.Add("article.category", "must look like categories/{id}");
  }
  if (checked("state") && !v1::Article::State_IsValid(article.state())) {
    violations.Add("article.state", "must be DRAFT or PUBLISHED");
  }
  if (checked("tags")) {
    if (article.tags_size() > kMaxTags) {
      violations.Add("article.tags", absl::StrCat("must have at most ", kMaxTags, " tags"));
    }
    for (int i = 0; i < article.tags_size(); ++i) {
      if (!ValidTag(article.tags(i))) {
        violations.Add(absl::StrCat("article.tags[", i, "]"),
                       "must be 1-64 characters of a-z, 0-9, '-', '_' or '.'");
      }
    }
  }
}

void SetSortedTags(const google::protobuf::RepeatedPtrField<std::string>& tags,
                   v1::Article& article) {
  const std::set<std::string> unique(tags.begin(), tags.end());
  article.clear_tags();
  for (const std::string& tag : unique) article.add_tags(tag);
}

// Parses a name field, adding a violation if it is malformed.
std::string NameOrViolation(const std::string& field, absl::string_view collection,
                            const std::string& name, FieldViolations& violations) {
  absl::StatusOr<std::string> id = ParseResourceName(field, collection, name);
  if (!id.ok()) {
    violations.Add(
        field, name.empty() ? "is required" : absl::StrCat("must look like ", collection, "/{id}"));
    return "";
  }
  return *id;
}

// Decodes a one-number page token (an offset or a version).
absl::StatusOr<int> DecodeNumberToken(const PageTokenCodec& codec, const std::string& token,
                                      const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::vector<std::string> keys, codec.Decode(token, fingerprint));
  if (keys.empty()) return 0;
  int number = 0;
  if (keys.size() != 1 || !absl::SimpleAtoi(keys[0], &number) || number < 0) {
    return InvalidField("page_token", "is not a token this service issued");
  }
  return number;
}

// Returns a response match for `scored`: the article without its body,
// its score, and a snippet of the body around the first match.
v1::ArticleMatch MatchOf(ScoredArticle scored, const std::vector<QueryTerm>& terms) {
  v1::ArticleMatch match;
  match.set_snippet(Snippet(scored.article.body(), terms));
  scored.article.clear_body();
  *match.mutable_article() = std::move(scored.article);
  match.set_score(scored.score);
  return match;
}

}  // namespace

bool SeesDrafts(const Principal& caller) {
  return caller.HasRole(kRoleAgent) || caller.HasRole(kRoleAdmin);
}

absl::StatusOr<v1::Article> KnowledgeBaseManager::VisibleArticle(const Principal& caller,
                                                                 const std::string& id,
                                                                 absl::Time deadline) {
  ASSIGN_OR_RETURN(v1::Article article, store_->GetArticle(caller.tenant, id, deadline));
  if (article.state() != v1::Article::PUBLISHED && !SeesDrafts(caller)) {
    // Exactly what a missing article says: readers learn nothing of drafts.
    return absl::NotFoundError(absl::StrCat("article articles/", id, " does not exist"));
  }
  return article;
}

absl::StatusOr<v1::Category> KnowledgeBaseManager::CreateCategory(
    const Principal& caller, const v1::CreateCategoryRequest& request, absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_category()) {
    violations.Add("category", "is required");
  } else {
    CheckCategoryFields(
        request.category(), [](absl::string_view) { return true; }, violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  v1::Category category;
  category.set_name(ResourceName("categories", NewIdAt(now)));
  category.set_display_name(
      std::string(absl::StripAsciiWhitespace(request.category().display_name())));
  category.set_description(request.category().description());
  *category.mutable_create_time() = ToProtoTime(now);
  *category.mutable_update_time() = ToProtoTime(now);
  return store_->CreateCategory(caller.tenant, category, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Category> KnowledgeBaseManager::GetCategory(
    const Principal& caller, const v1::GetCategoryRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "categories", request.name()));
  return store_->GetCategory(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListCategoriesResponse> KnowledgeBaseManager::ListCategories(
    const Principal& caller, const v1::ListCategoriesRequest& request, absl::Time deadline) {
  // Oldest first by default: categories read as a help centre's table of
  // contents, in the order they were set up.
  const std::string order = request.order_by().empty() ? "create_time" : request.order_by();
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanList(*page_tokens_, absl::StrCat(caller.tenant, "/categories"),
                            {request.page_size(), request.page_token(), "", order}, {}));
  ASSIGN_OR_RETURN(Page<v1::Category> page, store_->ListCategories(caller.tenant, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListCategoriesResponse response;
  for (v1::Category& category : page.items) *response.add_categories() = std::move(category);
  if (page.has_more && response.categories_size() > 0) {
    const v1::Category& last = response.categories(response.categories_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Category> KnowledgeBaseManager::UpdateCategory(
    const Principal& caller, const v1::UpdateCategoryRequest& request, absl::Time deadline) {
  static const std::set<std::string> kUpdatable = {"display_name", "description"};
  FieldViolations violations;
  CheckUpdateMask(request.update_mask(), kUpdatable, violations);
  const std::string id =
      NameOrViolation("category.name", "categories", request.category().name(), violations);
  const std::set<std::string> paths(request.update_mask().paths().begin(),
                                    request.update_mask().paths().end());
  CheckCategoryFields(
      request.category(),
      [&](absl::string_view field) { return paths.contains(std::string(field)); }, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->UpdateCategory(
      caller.tenant, id,
      [&](const v1::Category& current) -> absl::StatusOr<v1::Category> {
        RETURN_IF_ERROR(CheckEtag(request.category().etag(), current.etag()));
        v1::Category after = current;
        if (paths.contains("display_name")) {
          after.set_display_name(
              std::string(absl::StripAsciiWhitespace(request.category().display_name())));
        }
        if (paths.contains("description")) after.set_description(request.category().description());
        return after;
      },
      now, deadline);
}

absl::Status KnowledgeBaseManager::DeleteCategory(const Principal& caller,
                                                  const v1::DeleteCategoryRequest& request,
                                                  absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "categories", request.name()));
  return store_->DeleteCategory(caller.tenant, id, request.etag(), deadline);
}

absl::StatusOr<v1::Article> KnowledgeBaseManager::CreateArticle(
    const Principal& caller, const v1::CreateArticleRequest& request, absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_article()) {
    violations.Add("article", "is required");
  } else {
    CheckArticleFields(
        request.article(), [](absl::string_view) { return true; }, violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  const v1::Article& given = request.article();
  v1::Article article;
  article.set_name(ResourceName("articles", NewIdAt(now)));
  article.set_category(given.category());
  article.set_title(std::string(absl::StripAsciiWhitespace(given.title())));
  article.set_body(given.body());
  article.set_locale(given.locale());
  SetSortedTags(given.tags(), article);
  article.set_state(given.state() == v1::Article::PUBLISHED ? v1::Article::PUBLISHED
                                                            : v1::Article::DRAFT);
  article.set_version(1);
  article.set_author(caller.subject);
  *article.mutable_create_time() = ToProtoTime(now);
  *article.mutable_update_time() = ToProtoTime(now);
  if (article.state() == v1::Article::PUBLISHED) *article.mutable_publish_time() = ToProtoTime(now);
  return store_->CreateArticle(caller.tenant, article, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Article> KnowledgeBaseManager::GetArticle(const Principal& caller,
                                                             const v1::GetArticleRequest& request,
                                                             absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "articles", request.name()));
  return VisibleArticle(caller, id, deadline);
}

absl::StatusOr<v1::ListArticlesResponse> KnowledgeBaseManager::ListArticles(
    const Principal& caller, const v1::ListArticlesRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"category", "locale",      "state",
                                                "tag",      "create_time", "update_time"};
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, absl::StrCat(caller.tenant, "/articles"),
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
                                           kFields));
  std::vector<ArticleCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    ArticleCondition& condition = conditions.emplace_back();
    condition.op = term.op;
    if (term.field == "create_time" || term.field == "update_time") {
      condition.field =
          term.field == "create_time" ? ArticleField::kCreateTime : ArticleField::kUpdateTime;
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
      continue;
    }
    RETURN_IF_ERROR(RequireEquality(term));
    if (term.field == "category") {
      condition.field = ArticleField::kCategory;
      absl::StatusOr<std::string> id = ParseResourceName("filter", "categories", term.value);
      if (!id.ok()) return InvalidField("filter", "category must look like categories/{id}");
      condition.value = *id;
    } else if (term.field == "state") {
      condition.field = ArticleField::kState;
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *v1::Article::State_descriptor()));
    } else if (term.field == "locale") {
      condition.field = ArticleField::kLocale;
      condition.value = term.value;
    } else {
      condition.field = ArticleField::kTag;
      condition.value = term.value;
    }
  }
  if (!SeesDrafts(caller)) {
    conditions.push_back({ArticleField::kState, FilterOp::kEq,
                          absl::StrCat(static_cast<int>(v1::Article::PUBLISHED))});
  }
  ASSIGN_OR_RETURN(Page<v1::Article> page,
                   store_->ListArticles(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListArticlesResponse response;
  for (v1::Article& article : page.items) *response.add_articles() = std::move(article);
  if (page.has_more && response.articles_size() > 0) {
    const v1::Article& last = response.articles(response.articles_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Article> KnowledgeBaseManager::UpdateArticle(
    const Principal& caller, const v1::UpdateArticleRequest& request, absl::Time deadline) {
  static const std::set<std::string> kUpdatable = {"title",  "body",     "tags",
                                                   "locale", "category", "state"};
  FieldViolations violations;
  CheckUpdateMask(request.update_mask(), kUpdatable, violations);
  const std::string id =
      NameOrViolation("article.name", "articles", request.article().name(), violations);
  const std::set<std::string> paths(request.update_mask().paths().begin(),
                                    request.update_mask().paths().end());
  const v1::Article& given = request.article();
  CheckArticleFields(
      given, [&](absl::string_view field) { return paths.contains(std::string(field)); },
      violations);
  if (paths.contains("state") && given.state() == v1::Article::STATE_UNSPECIFIED) {
    violations.Add("article.state", "must be DRAFT or PUBLISHED");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->UpdateArticle(
      caller.tenant, id,
      [&](const v1::Article& current) -> absl::StatusOr<v1::Article> {
        RETURN_IF_ERROR(CheckEtag(given.etag(), current.etag()));
        v1::Article after = current;
        if (paths.contains("title")) {
          after.set_title(std::string(absl::StripAsciiWhitespace(given.title())));
        }
        if (paths.contains("body")) after.set_body(given.body());
        if (paths.contains("locale")) after.set_locale(given.locale());
        if (paths.contains("category")) after.set_category(given.category());
        if (paths.contains("tags")) SetSortedTags(given.tags(), after);
        if (paths.contains("state")) {
          after.set_state(given.state());
          if (given.state() == v1::Article::PUBLISHED &&
              current.state() != v1::Article::PUBLISHED) {
            *after.mutable_publish_time() = ToProtoTime(now);
          }
        }
        return after;
      },
      caller.subject, now, deadline);
}

absl::Status KnowledgeBaseManager::DeleteArticle(const Principal& caller,
                                                 const v1::DeleteArticleRequest& request,
                                                 absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "articles", request.name()));
  return store_->DeleteArticle(caller.tenant, id, request.etag(), deadline);
}

absl::StatusOr<v1::ListArticleVersionsResponse> KnowledgeBaseManager::ListArticleVersions(
    const Principal& caller, const v1::ListArticleVersionsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("parent", "articles", request.parent()));
  ASSIGN_OR_RETURN(int page_size, NormalizePageSize(request.page_size(), 20, 100));
  const std::string fingerprint = QueryFingerprint({caller.tenant, request.parent(), "versions"});
  ASSIGN_OR_RETURN(int before, DecodeNumberToken(*page_tokens_, request.page_token(), fingerprint));
  RETURN_IF_ERROR(VisibleArticle(caller, id, deadline).status());
  ASSIGN_OR_RETURN(Page<v1::ArticleVersion> page,
                   store_->ListVersions(caller.tenant, id, before, page_size, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListArticleVersionsResponse response;
  for (v1::ArticleVersion& version : page.items) *response.add_versions() = std::move(version);
  if (page.has_more && response.versions_size() > 0) {
    response.set_next_page_token(page_tokens_->Encode(
        fingerprint, {absl::StrCat(response.versions(response.versions_size() - 1).version())}));
  }
  return response;
}

absl::StatusOr<v1::SearchArticlesResponse> KnowledgeBaseManager::SearchArticles(
    const Principal& caller, const v1::SearchArticlesRequest& request, absl::Time deadline) {
  FieldViolations violations;
  std::vector<QueryTerm> terms;
  if (request.query().size() > kMaxQuery) {
    violations.Add("query", absl::StrCat("must be at most ", kMaxQuery, " bytes"));
  } else {
    terms = QueryTerms(request.query());
    if (terms.empty()) {
      violations.Add("query", "must contain a word or character to search for");
    } else if (terms.size() > kMaxQueryTerms) {
      violations.Add("query", "has too many words; shorten it");
    }
  }
  if (!request.locale().empty() && !ValidLocale(request.locale())) {
    violations.Add("locale", "must be a BCP 47 language tag such as \"ja\" or \"en-US\"");
  }
  std::string category_id;
  if (!request.category().empty()) {
    category_id = NameOrViolation("category", "categories", request.category(), violations);
  }
  absl::StatusOr<int> page_size = NormalizePageSize(request.page_size(), 10, 50);
  if (!page_size.ok()) violations.Add("page_size", "must not be negative");
  RETURN_IF_ERROR(violations.ToStatus());

  const bool drafts = SeesDrafts(caller);
  const std::string fingerprint =
      QueryFingerprint({caller.tenant, "search", request.query(), request.locale(),
                        request.category(), drafts ? "drafts" : "published"});
  ASSIGN_OR_RETURN(int offset, DecodeNumberToken(*page_tokens_, request.page_token(), fingerprint));
  if (offset >= kMaxSearchDepth) {
    return InvalidField("page_token", "is not a token this service issued");
  }

  ArticleSearch search;
  // Common English words ("how", "to") add to the score but are not
  // required, unless the query has nothing else.
  for (const QueryTerm& term : terms) {
    (IsCommonWord(term.text) ? search.optional_terms : search.terms).push_back(term);
  }
  if (search.terms.empty()) std::swap(search.terms, search.optional_terms);
  search.match_all = true;
  search.locale = request.locale();
  search.category_id = category_id;
  search.include_drafts = drafts;
  search.offset = offset;
  search.limit = std::min(*page_size, kMaxSearchDepth - offset);
  ASSIGN_OR_RETURN(Page<ScoredArticle> page, store_->Search(caller.tenant, search, deadline));

  v1::SearchArticlesResponse response;
  for (ScoredArticle& scored : page.items) {
    *response.add_matches() = MatchOf(std::move(scored), terms);
  }
  const int next = offset + response.matches_size();
  if (page.has_more && next < kMaxSearchDepth && response.matches_size() > 0) {
    response.set_next_page_token(page_tokens_->Encode(fingerprint, {absl::StrCat(next)}));
  }
  return response;
}

absl::StatusOr<v1::SuggestArticlesResponse> KnowledgeBaseManager::SuggestArticles(
    const Principal& caller, const v1::SuggestArticlesRequest& request, absl::Time deadline) {
  FieldViolations violations;
  std::string ticket_id;
  switch (request.source_case()) {
    case v1::SuggestArticlesRequest::kTicket:
      ticket_id = NameOrViolation("ticket", "tickets", request.ticket(), violations);
      break;
    case v1::SuggestArticlesRequest::kText:
      if (request.text().empty() || request.text().size() > kMaxSuggestText) {
        violations.Add("text", absl::StrCat("must be 1 to ", kMaxSuggestText, " bytes"));
      }
      break;
    case v1::SuggestArticlesRequest::SOURCE_NOT_SET:
      violations.Add("ticket", "set ticket (tickets/{id}) or text");
      break;
  }
  if (!request.locale().empty() && !ValidLocale(request.locale())) {
    violations.Add("locale", "must be a BCP 47 language tag such as \"ja\" or \"en-US\"");
  }
  absl::StatusOr<int> page_size = NormalizePageSize(request.page_size(), 5, 20);
  if (!page_size.ok()) violations.Add("page_size", "must not be negative");
  RETURN_IF_ERROR(violations.ToStatus());

  std::string text = request.text();
  if (!ticket_id.empty()) {
    ASSIGN_OR_RETURN(auto ticket, store_->TicketText(caller.tenant, ticket_id, deadline));
    text = absl::StrCat(ticket.first, "\n", ticket.second);
  }
  // The ticket's words, subject first, without the common ones; then the
  // most specific of those the knowledge base knows at all.
  std::vector<QueryTerm> words;
  for (QueryTerm& term : QueryTerms(text)) {
    if (!IsCommonWord(term.text)) words.push_back(std::move(term));
    if (words.size() == kMaxSuggestLookups) break;
  }
  // Counted in the locale asked for: a word only other locales' articles
  // hold would take a lookup and find nothing.
  ASSIGN_OR_RETURN(std::vector<int64_t> matching,
                   store_->CountMatching(caller.tenant, words, /*published_only=*/true,
                                         request.locale(), deadline));
  std::vector<size_t> order(words.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return matching[a] < matching[b]; });
  ArticleSearch search;
  for (size_t i : order) {
    if (matching[i] == 0) continue;
    search.terms.push_back(words[i]);
    if (search.terms.size() == kMaxSuggestTerms) break;
  }
  v1::SuggestArticlesResponse response;
  if (search.terms.empty()) return response;
  search.match_all = false;
  search.locale = request.locale();
  search.include_drafts = false;  // never suggest what customers cannot read
  search.limit = *page_size;
  ASSIGN_OR_RETURN(Page<ScoredArticle> page, store_->Search(caller.tenant, search, deadline));
  for (ScoredArticle& scored : page.items) {
    *response.add_matches() = MatchOf(std::move(scored), search.terms);
  }
  return response;
}

absl::StatusOr<v1::Article> KnowledgeBaseManager::VoteArticle(const Principal& caller,
                                                              const v1::VoteArticleRequest& request,
                                                              absl::Time deadline) {
  FieldViolations violations;
  const std::string id = NameOrViolation("name", "articles", request.name(), violations);
  if (request.voter().size() > kMaxVoter) {
    violations.Add("voter", absl::StrCat("must be at most ", kMaxVoter, " bytes"));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  if (!request.voter().empty() && !caller.HasRole(kRoleService) && !caller.HasRole(kRoleAdmin)) {
    return absl::PermissionDeniedError(
        "only a service (e.g. a help centre) may vote on behalf of someone else; leave voter "
        "empty");
  }
  const std::string voter = request.voter().empty() ? caller.subject : request.voter();
  RETURN_IF_ERROR(VisibleArticle(caller, id, deadline).status());
  return store_->Vote(caller.tenant, id, voter, request.helpful(), clock_->Now(), deadline);
}

absl::StatusOr<v1::Article> KnowledgeBaseManager::RecordArticleView(
    const Principal& caller, const v1::RecordArticleViewRequest& request, absl::Time deadline) {
  FieldViolations violations;
  const std::string id = NameOrViolation("name", "articles", request.name(), violations);
  CheckRequestId(request.request_id(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(VisibleArticle(caller, id, deadline).status());
  return store_->RecordView(caller.tenant, id, caller.subject, CreateKeyOf(request), clock_->Now(),
                            deadline);
}

absl::StatusOr<v1::TicketArticleLink> KnowledgeBaseManager::LinkArticle(
    const Principal& caller, const v1::LinkArticleRequest& request, absl::Time deadline) {
  FieldViolations violations;
  const std::string ticket_id = NameOrViolation("ticket", "tickets", request.ticket(), violations);
  const std::string article_id =
      NameOrViolation("article", "articles", request.article(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->Link(caller.tenant, ticket_id, article_id, caller.subject, clock_->Now(),
                      deadline);
}

absl::Status KnowledgeBaseManager::UnlinkArticle(const Principal& caller,
                                                 const v1::UnlinkArticleRequest& request,
                                                 absl::Time deadline) {
  FieldViolations violations;
  const std::string ticket_id = NameOrViolation("ticket", "tickets", request.ticket(), violations);
  const std::string article_id =
      NameOrViolation("article", "articles", request.article(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->Unlink(caller.tenant, ticket_id, article_id, caller.subject, clock_->Now(),
                        deadline);
}

absl::StatusOr<v1::ListTicketArticlesResponse> KnowledgeBaseManager::ListTicketArticles(
    const Principal& caller, const v1::ListTicketArticlesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string ticket_id, ParseResourceName("parent", "tickets", request.parent()));
  ASSIGN_OR_RETURN(int page_size, NormalizePageSize(request.page_size(), 50, 500));
  const bool drafts = SeesDrafts(caller);
  const std::string fingerprint =
      QueryFingerprint({caller.tenant, request.parent(), drafts ? "drafts" : "published"});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   page_tokens_->Decode(request.page_token(), fingerprint));
  std::optional<KeysetPosition> after;
  if (!keys.empty()) {
    int64_t micros = 0;
    if (keys.size() != 2 || !absl::SimpleAtoi(keys[0], &micros) || !IsValidId(keys[1])) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    after = KeysetPosition{absl::FromUnixMicros(micros), keys[1]};
  }
  ASSIGN_OR_RETURN(Page<v1::TicketArticleLink> page,
                   store_->ListLinks(caller.tenant, ticket_id, after, page_size, drafts, deadline));
  v1::ListTicketArticlesResponse response;
  for (v1::TicketArticleLink& link : page.items) *response.add_links() = std::move(link);
  if (page.has_more && response.links_size() > 0) {
    const v1::TicketArticleLink& last = response.links(response.links_size() - 1);
    response.set_next_page_token(page_tokens_->Encode(
        fingerprint, {absl::StrCat(absl::ToUnixMicros(FromProtoTime(last.link_time()))),
                      ResourceIdOf(last.article())}));
  }
  return response;
}

}  // namespace tandem::support
