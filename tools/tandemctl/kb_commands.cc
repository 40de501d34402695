// `tandemctl kb ...`: the knowledge base in the Support service.
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

using support::v1::Article;
using support::v1::Category;

constexpr size_t kTitleWidth = 40;
constexpr size_t kSnippetWidth = 60;

void PrintArticleTable(std::ostream& out, const support::v1::ListArticlesResponse& response) {
  Table table({"NAME", "STATE", "LOCALE", "VERSION", "TITLE", "UPDATED"});
  for (const Article& article : response.articles()) {
    table.AddRow({article.name(), Article::State_Name(article.state()), article.locale(),
                  absl::StrCat(article.version()), Truncate(article.title(), kTitleWidth),
                  FormatTimestamp(article.update_time())});
  }
  table.Print(out);
}

void PrintCategoryTable(std::ostream& out, const support::v1::ListCategoriesResponse& response) {
  Table table({"NAME", "DISPLAY NAME", "CREATED"});
  for (const Category& category : response.categories()) {
    table.AddRow({category.name(), Truncate(category.display_name(), kTitleWidth),
                  FormatTimestamp(category.create_time())});
  }
  table.Print(out);
}

void PrintMatchTable(std::ostream& out,
                     const google::protobuf::RepeatedPtrField<support::v1::ArticleMatch>& matches) {
  Table table({"NAME", "SCORE", "TITLE", "SNIPPET"});
  for (const support::v1::ArticleMatch& match : matches) {
    std::ostringstream score;
    score.precision(3);
    score << match.score();
    table.AddRow({match.article().name(), score.str(),
                  Truncate(match.article().title(), kTitleWidth),
                  Truncate(match.snippet(), kSnippetWidth)});
  }
  table.Print(out);
}

}  // namespace

int RunKbCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb create", "Creates an article (a draft unless --publish) and prints it.");
  flags.AddString("title", "", "The article's title (the server requires it).");
  flags.AddString("body", "", "The text.");
  flags.AddString("body-file", "", "Read the text from this file instead of --body.");
  flags.AddString("locale", "", "Language, a BCP 47 tag such as ja or en-US (required).");
  flags.AddString("category", "", "Its category: categories/ID or ID.");
  flags.AddList("tag", "A label for the article.");
  flags.AddBool("publish", false, "Publish at once instead of creating a draft.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  support::v1::CreateArticleRequest request;
  Article& article = *request.mutable_article();
  article.set_title(flags.GetString("title"));
  article.set_body(flags.GetString("body"));
  if (const std::string& path = flags.GetString("body-file"); !path.empty()) {
    std::ifstream file(path);
    if (!file) return context.UsageError(flags, absl::StrCat("--body-file: cannot read ", path));
    std::ostringstream text;
    text << file.rdbuf();
    article.set_body(text.str());
  }
  article.set_locale(flags.GetString("locale"));
  if (const std::string& category = flags.GetString("category"); !category.empty()) {
    absl::StatusOr<std::string> name = ResourceNameOf("categories", category);
    if (!name.ok()) {
      return context.UsageError(flags, absl::StrCat("--category: ", name.status().message()));
    }
    article.set_category(*name);
  }
  for (const std::string& tag : flags.GetList("tag")) article.add_tags(tag);
  article.set_state(flags.GetBool("publish") ? Article::PUBLISHED : Article::DRAFT);
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::CreateArticle, request);
}

int RunKbGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb get", "Prints one article; NAME_OR_ID is articles/ID or ID.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "articles", name)) return *exit_code;
  support::v1::GetArticleRequest request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::GetArticle, request);
}

int RunKbList(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb list",
                     "Lists articles, newest first. Filter fields: category, locale, state, tag, "
                     "create_time, update_time.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::ListArticles,
                      support::v1::ListArticlesRequest(), PrintArticleTable);
}

int RunKbPublish(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb publish",
                     "Publishes an article (or, with --unpublish, makes it a draft again).");
  flags.AddBool("unpublish", false, "Make it a draft again.");
  flags.AddString("etag", "", "Refuse if the article changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "articles", name)) return *exit_code;

  support::v1::UpdateArticleRequest request;
  request.mutable_article()->set_name(name);
  request.mutable_article()->set_etag(flags.GetString("etag"));
  request.mutable_article()->set_state(flags.GetBool("unpublish") ? Article::DRAFT
                                                                  : Article::PUBLISHED);
  request.mutable_update_mask()->add_paths("state");
  return CallAndPrint(context, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::UpdateArticle, request);
}

int RunKbSearch(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb search",
                     "Searches articles' titles and bodies, best match first, e.g. "
                     "tandemctl kb search '返金 手続き'.");
  flags.AddPositional("QUERY");
  flags.AddString("locale", "", "Only articles of this locale, e.g. ja.");
  flags.AddString("category", "", "Only articles of this category: categories/ID or ID.");
  flags.AddInt("page-size", 0, "Results per page (0: the server's default, 10).");
  flags.AddString("page-token", "", "Continue from a previous search's next page.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  support::v1::SearchArticlesRequest request;
  request.set_query(flags.positionals()[0]);
  request.set_locale(flags.GetString("locale"));
  if (const std::string& category = flags.GetString("category"); !category.empty()) {
    absl::StatusOr<std::string> name = ResourceNameOf("categories", category);
    if (!name.ok()) {
      return context.UsageError(flags, absl::StrCat("--category: ", name.status().message()));
    }
    request.set_category(*name);
  }
  const int64_t page_size = flags.GetInt("page-size");
  if (page_size < 0 || page_size > 1000) {
    return context.UsageError(flags, "--page-size must be 0 to 1000");
  }
  request.set_page_size(static_cast<int32_t>(page_size));
  request.set_page_token(flags.GetString("page-token"));
  return CallThen(context, context.clients->KnowledgeBase(),
                  &support::v1::KnowledgeBaseService::StubInterface::SearchArticles, request,
                  [&](const support::v1::SearchArticlesResponse& response) {
                    const int exit_code = context.Print(response, [&](std::ostream& out) {
                      PrintMatchTable(out, response.matches());
                    });
                    PrintNextPageHint(context, flags, response.next_page_token());
                    return exit_code;
                  });
}

int RunKbCategoryCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb create-category", "Creates a category of articles and prints it.");
  flags.AddString("display-name", "", "The name readers see (required, unique).");
  flags.AddString("description", "", "What belongs in it.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  support::v1::CreateCategoryRequest request;
  request.mutable_category()->set_display_name(flags.GetString("display-name"));
  request.mutable_category()->set_description(flags.GetString("description"));
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::CreateCategory, request);
}

int RunKbCategoryGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb get-category", "Prints one category; NAME_OR_ID is categories/ID or ID.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "categories", name)) return *exit_code;
  support::v1::GetCategoryRequest request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::GetCategory, request);
}

int RunKbCategoryList(const CommandContext& context, const Args& args) {
  CommandFlags flags("kb list-categories", "Lists categories, oldest first.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/false, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->KnowledgeBase(),
                      &support::v1::KnowledgeBaseService::StubInterface::ListCategories,
                      support::v1::ListCategoriesRequest(), PrintCategoryTable);
}

}  // namespace tandem::ctl
