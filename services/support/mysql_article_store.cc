#include "services/support/mysql_article_store.h"

#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/mysql/keyset.h"
#include "common/mysql/sql_params.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "tandem/support/v1/article_events.pb.h"

namespace tandem::support {
namespace {

constexpr absl::string_view kCategoryColumns =
    "SELECT id, display_name, description, version, create_time, update_time FROM kb_categories ";

v1::Category CategoryFromRow(const mysql::Row& row) {
  v1::Category category;
  category.set_name(ResourceName("categories", row.String(0)));
  category.set_display_name(row.String(1));
  category.set_description(row.String(2));
  category.set_etag(EtagFor(row.String(0), row.Int(3)));
  *category.mutable_create_time() = ToProtoTime(row.Time(4));
  *category.mutable_update_time() = ToProtoTime(row.Time(5));
  return category;
}

// The article columns, with the body or an empty one (lists leave it out).
std::string ArticleColumns(bool with_body, absl::string_view table_alias = "") {
  const std::string a = table_alias.empty() ? "" : absl::StrCat(table_alias, ".");
  return absl::StrCat("SELECT ", a, "id, ", a, "category_id, ", a, "locale, ", a, "state, ", a,
                      "title, ", with_body ? absl::StrCat(a, "body") : "''", ", ", a, "tags, ", a,
                      "revision, ", a, "author, ", a, "helpful_votes, ", a, "not_helpful_votes, ",
                      a, "view_count, ", a, "version, ", a, "create_time, ", a, "update_time, ", a,
                      "publish_time FROM kb_articles ", table_alias, " ");
}

// Column 12 of ArticleColumns(), the row version behind the etag.
constexpr int kArticleVersionColumn = 12;

void ParseTags(const std::string& json, google::protobuf::RepeatedPtrField<std::string>& out) {
  nlohmann::json tags = nlohmann::json::parse(json, nullptr, false);
  if (!tags.is_array()) return;
  for (const auto& tag : tags) {
    if (tag.is_string()) out.Add(tag.get<std::string>());
  }
}

std::string TagsJson(const google::protobuf::RepeatedPtrField<std::string>& tags) {
  nlohmann::json json = nlohmann::json::array();
  for (const std::string& tag : tags) json.push_back(tag);
  return json.dump();
}

v1::Article ArticleFromRow(const mysql::Row& row) {
  v1::Article article;
  article.set_name(ResourceName("articles", row.String(0)));
  if (!row.IsNull(1)) article.set_category(ResourceName("categories", row.String(1)));
  article.set_locale(row.String(2));
  article.set_state(static_cast<v1::Article::State>(row.Int(3)));
  article.set_title(row.String(4));
  article.set_body(row.String(5));
  ParseTags(row.String(6), *article.mutable_tags());
  article.set_version(static_cast<int32_t>(row.Int(7)));
  article.set_author(row.String(8));
  article.set_helpful_votes(row.Int(9));
  article.set_not_helpful_votes(row.Int(10));
  article.set_view_count(row.Int(11));
  article.set_etag(EtagFor(row.String(0), row.Int(12)));
  *article.mutable_create_time() = ToProtoTime(row.Time(13));
  *article.mutable_update_time() = ToProtoTime(row.Time(14));
  if (!row.IsNull(15)) *article.mutable_publish_time() = ToProtoTime(row.Time(15));
  return article;
}

mysql::Value CategoryValue(const v1::Article& article) {
  if (article.category().empty()) return nullptr;
  return ResourceIdOf(article.category());
}

mysql::Value PublishTimeValue(const v1::Article& article) {
  if (!article.has_publish_time()) return nullptr;
  return FromProtoTime(article.publish_time());
}

absl::Status ArticleNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("article articles/", id, " does not exist"));
}

absl::Status TicketNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("ticket tickets/", id, " does not exist"));
}

// Checks, under a shared lock (so a concurrent delete waits), that a
// category referenced by an article exists.
absl::Status CheckCategoryExists(mysql::Transaction& tx, const std::string& tenant,
                                 const v1::Article& article) {
  if (article.category().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT 1 FROM kb_categories WHERE tenant_id = ? AND "
                                        "id = ? LOCK IN SHARE MODE",
                                        {tenant, ResourceIdOf(article.category())}));
  if (rows.empty()) return InvalidField("article.category", "does not exist");
  return absl::OkStatus();
}

absl::Status InsertVersion(mysql::Transaction& tx, const std::string& tenant, const std::string& id,
                           const v1::Article& article, const std::string& editor, absl::Time when) {
  return tx
      ->Execute(
          "INSERT INTO kb_article_versions (tenant_id, article_id, revision, title, body, "
          "locale, tags, editor, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {tenant, id, int64_t{article.version()}, article.title(), article.body(),
           article.locale(), TagsJson(article.tags()), editor, when})
      .status();
}

// Escapes LIKE's wildcards in `text`.
std::string LikePrefix(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

// Appends ` AND (<term matches any condition>)` for `column`.
void AppendTermConditions(const std::vector<QueryTerm>& terms, absl::string_view column,
                          std::string& sql, std::vector<mysql::Value>& params) {
  std::vector<std::string> any;
  std::vector<std::string> exact;
  for (const QueryTerm& term : terms) {
    if (term.prefix) {
      any.push_back(absl::StrCat(column, " LIKE ?"));
    } else {
      exact.push_back("?");
    }
  }
  if (!exact.empty())
    any.insert(any.begin(), absl::StrCat(column, " IN (", absl::StrJoin(exact, ", "), ")"));
  for (const QueryTerm& term : terms) {
    if (!term.prefix) params.emplace_back(term.text);
  }
  for (const QueryTerm& term : terms) {
    if (term.prefix) params.emplace_back(LikePrefix(term.text));
  }
  absl::StrAppend(&sql, " AND (", absl::StrJoin(any, " OR "), ")");
}

// Appends the visibility and scope conditions of `search` on the columns
// of table `alias` (kb_articles and kb_terms name them alike).
void AppendSearchScope(const ArticleSearch& search, absl::string_view alias, std::string& sql,
                       std::vector<mysql::Value>& params) {
  if (!search.include_drafts) {
    absl::StrAppend(&sql, " AND ", alias, ".state = ?");
    params.emplace_back(int64_t{v1::Article::PUBLISHED});
  }
  if (!search.locale.empty()) {
    absl::StrAppend(&sql, " AND ", alias, ".locale = ?");
    params.emplace_back(search.locale);
  }
  if (!search.category_id.empty()) {
    absl::StrAppend(&sql, " AND ", alias, ".category_id = ?");
    params.emplace_back(search.category_id);
  }
}

// Statements insert index rows in batches of these sizes, so that few
// distinct statements are prepared and cached per connection.
constexpr int kIndexBatchSizes[] = {256, 64, 16, 4, 1};

const char* ColumnOf(ArticleField field) {
  switch (field) {
    case ArticleField::kCategory:
      return "category_id";
    case ArticleField::kLocale:
      return "locale";
    case ArticleField::kState:
      return "state";
    case ArticleField::kTag:
      return "tags";
    case ArticleField::kCreateTime:
      return "create_time";
    case ArticleField::kUpdateTime:
      return "update_time";
  }
  return "id";
}

}  // namespace

absl::StatusOr<v1::Category> MysqlArticleStore::CreateCategory(const std::string& tenant,
                                                               const v1::Category& category,
                                                               const CreateKey& key,
                                                               absl::Time deadline) {
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    return tx
        ->Execute(
            "INSERT INTO kb_categories (tenant_id, id, display_name, description, "
            "version, create_time, update_time) VALUES (?, ?, ?, ?, 1, ?, ?)",
            {tenant, ResourceIdOf(category.name()), category.display_name(), category.description(),
             FromProtoTime(category.create_time()), FromProtoTime(category.update_time())})
        .status();
  };
  absl::StatusOr<std::string> name =
      CreateOnce(*pool_, deadline, tenant, "CreateCategory", key, category.name(), insert);
  if (name.status().code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat("a category named \"", category.display_name(), "\" already exists"));
  }
  if (!name.ok()) return name.status();
  if (*name != category.name()) return GetCategory(tenant, ResourceIdOf(*name), deadline);
  v1::Category created = category;
  created.set_etag(EtagFor(ResourceIdOf(category.name()), 1));
  return created;
}

absl::StatusOr<v1::Category> MysqlArticleStore::GetCategory(const std::string& tenant,
                                                            const std::string& id,
                                                            absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows,
      db->Query(absl::StrCat(kCategoryColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("category categories/", id, " does not exist"));
  }
  return CategoryFromRow(rows[0]);
}

absl::StatusOr<Page<v1::Category>> MysqlArticleStore::ListCategories(const std::string& tenant,
                                                                     const ListPlan& plan,
                                                                     absl::Time deadline) {
  std::string sql = absl::StrCat(kCategoryColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  Page<v1::Category> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(CategoryFromRow(row));
  return page;
}

absl::StatusOr<v1::Category> MysqlArticleStore::UpdateCategory(const std::string& tenant,
                                                               const std::string& id,
                                                               const CategoryDecision& decide,
                                                               absl::Time now,
                                                               absl::Time deadline) {
  v1::Category result;
  absl::Status status =
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kCategoryColumns,
                                                           "WHERE tenant_id = ? AND id = ? "
                                                           "FOR UPDATE"),
                                              {tenant, id}));
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat("category categories/", id, " does not exist"));
        }
        const v1::Category current = CategoryFromRow(rows[0]);
        ASSIGN_OR_RETURN(v1::Category after, decide(current));
        if (after.display_name() == current.display_name() &&
            after.description() == current.description()) {
          result = current;
          return absl::OkStatus();
        }
        const int64_t version = rows[0].Int(3) + 1;
        RETURN_IF_ERROR(
            tx->Execute("UPDATE kb_categories SET display_name = ?, description = ?, "
                        "version = ?, update_time = ? WHERE tenant_id = ? AND id = ?",
                        {after.display_name(), after.description(), version, now, tenant, id})
                .status());
        after.set_etag(EtagFor(id, version));
        *after.mutable_update_time() = ToProtoTime(now);
        result = after;
        return absl::OkStatus();
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("another category already has that display name");
  }
  RETURN_IF_ERROR(status);
  return result;
}

absl::Status MysqlArticleStore::DeleteCategory(const std::string& tenant, const std::string& id,
                                               const std::string& etag, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kCategoryColumns,
                                                       "WHERE tenant_id = ? AND id = ? FOR UPDATE"),
                                          {tenant, id}));
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("category categories/", id, " does not exist"));
    }
    RETURN_IF_ERROR(CheckEtag(etag, CategoryFromRow(rows[0]).etag()));
    ASSIGN_OR_RETURN(auto articles, tx->Query("SELECT 1 FROM kb_articles WHERE tenant_id = ? AND "
                                              "category_id = ? LIMIT 1",
                                              {tenant, id}));
    if (!articles.empty()) {
      return absl::FailedPreconditionError(
          "the category still has articles; move or delete them first");
    }
    return tx->Execute("DELETE FROM kb_categories WHERE tenant_id = ? AND id = ?", {tenant, id})
        .status();
  });
}

absl::StatusOr<int> MysqlArticleStore::WriteIndex(mysql::Transaction& tx, const std::string& tenant,
                                                  const std::string& id, const v1::Article& article,
                                                  bool fresh) {
  std::map<std::string, FieldCounts> terms;
  for (const auto& [term, count] : IndexTerms(article.title())) {
    terms[term].title = std::min(count, 32767);
  }
  int body_terms = 0;
  for (const auto& [term, count] : IndexTerms(article.body())) {
    terms[term].body = std::min(count, 32767);
    body_terms += count;
  }
  // An edit changes few terms: only rows that differ are rewritten.
  std::vector<std::string> stale;
  if (!fresh) {
    ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT term, title_count, body_count FROM kb_terms "
                                          "WHERE tenant_id = ? AND article_id = ?",
                                          {tenant, id}));
    for (const mysql::Row& row : rows) {
      auto it = terms.find(row.String(0));
      if (it != terms.end() && it->second.title == row.Int(1) && it->second.body == row.Int(2)) {
        terms.erase(it);  // unchanged
      } else {
        stale.push_back(row.String(0));
      }
    }
  }
  // Both statements run in batches of kIndexBatchSizes rows.
  auto batches =
      [](size_t count,
         const std::function<absl::Status(size_t begin, int size)>& run) -> absl::Status {
    size_t done = 0;
    for (int batch : kIndexBatchSizes) {
      while (count - done >= static_cast<size_t>(batch)) {
        RETURN_IF_ERROR(run(done, batch));
        done += batch;
      }
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(batches(stale.size(), [&](size_t begin, int size) {
    std::vector<mysql::Value> params = {tenant, id};
    for (int i = 0; i < size; ++i) params.emplace_back(stale[begin + i]);
    return tx
        ->Execute(absl::StrCat("DELETE FROM kb_terms WHERE tenant_id = ? AND article_id = ? AND "
                               "term IN (",
                               mysql::ParameterList(size), ")"),
                  params)
        .status();
  }));
  const std::vector<std::pair<std::string, FieldCounts>> rows(terms.begin(), terms.end());
  RETURN_IF_ERROR(batches(rows.size(), [&](size_t begin, int size) {
    std::vector<mysql::Value> params;
    params.reserve(static_cast<size_t>(size) * 9);
    for (int i = 0; i < size; ++i) {
      const auto& [term, counts] = rows[begin + i];
      params.emplace_back(tenant);
      params.emplace_back(term);
      params.emplace_back(id);
      params.emplace_back(int64_t{counts.title});
      params.emplace_back(int64_t{counts.body});
      params.emplace_back(int64_t{article.state()});
      params.emplace_back(article.locale());
      params.push_back(CategoryValue(article));
      params.emplace_back(int64_t{body_terms});
    }
    return tx
        ->Execute(absl::StrCat("INSERT INTO kb_terms (tenant_id, term, article_id, title_count, "
                               "body_count, state, locale, category_id, body_terms) VALUES ",
                               mysql::ParameterRows(size, 9)),
                  params)
        .status();
  }));
  if (!fresh) RETURN_IF_ERROR(SyncPostings(tx, tenant, id, article, body_terms));
  return body_terms;
}

absl::Status MysqlArticleStore::SyncPostings(mysql::Transaction& tx, const std::string& tenant,
                                             const std::string& id, const v1::Article& article,
                                             std::optional<int> body_terms) {
  // Only rows that differ are written (most of them, when the length
  // changed; none, when only the title did).
  const mysql::Value length =
      body_terms.has_value() ? mysql::Value{int64_t{*body_terms}} : mysql::Value{nullptr};
  return tx
      ->Execute(
          "UPDATE kb_terms SET state = ?, locale = ?, category_id = ?, "
          "body_terms = COALESCE(?, body_terms) WHERE tenant_id = ? AND article_id = ? AND "
          "(state <> ? OR locale <> ? OR NOT (category_id <=> ?) OR "
          "body_terms <> COALESCE(?, body_terms))",
          {int64_t{article.state()}, article.locale(), CategoryValue(article), length, tenant, id,
           int64_t{article.state()}, article.locale(), CategoryValue(article), length})
      .status();
}

absl::StatusOr<v1::Article> MysqlArticleStore::CreateArticle(const std::string& tenant,
                                                             const v1::Article& article,
                                                             const CreateKey& key,
                                                             absl::Time deadline) {
  const std::string id = ResourceIdOf(article.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckCategoryExists(tx, tenant, article));
    const absl::Time created = FromProtoTime(article.create_time());
    RETURN_IF_ERROR(
        tx->Execute("INSERT INTO kb_articles (tenant_id, id, category_id, locale, state, title, "
                    "body, tags, revision, author, version, create_time, update_time, "
                    "publish_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 1, ?, ?, ?)",
                    {tenant, id, CategoryValue(article), article.locale(), int64_t{article.state()},
                     article.title(), article.body(), TagsJson(article.tags()), article.author(),
                     created, FromProtoTime(article.update_time()), PublishTimeValue(article)})
            .status());
    RETURN_IF_ERROR(InsertVersion(tx, tenant, id, article, article.author(), created));
    ASSIGN_OR_RETURN(int body_terms, WriteIndex(tx, tenant, id, article, /*fresh=*/true));
    return tx
        ->Execute("UPDATE kb_articles SET body_terms = ? WHERE tenant_id = ? AND id = ?",
                  {int64_t{body_terms}, tenant, id})
        .status();
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateArticle", key,
                                                article.name(), insert));
  if (name != article.name()) return GetArticle(tenant, ResourceIdOf(name), deadline);
  v1::Article created = article;
  created.set_etag(EtagFor(id, 1));
  return created;
}

absl::StatusOr<v1::Article> MysqlArticleStore::GetArticle(const std::string& tenant,
                                                          const std::string& id,
                                                          absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query(absl::StrCat(ArticleColumns(true), "WHERE tenant_id = ? AND id = ?"),
                             {tenant, id}));
  if (rows.empty()) return ArticleNotFound(id);
  return ArticleFromRow(rows[0]);
}

absl::StatusOr<Page<v1::Article>> MysqlArticleStore::ListArticles(
    const std::string& tenant, const std::vector<ArticleCondition>& conditions,
    const ListPlan& plan, absl::Time deadline) {
  std::string sql = absl::StrCat(ArticleColumns(false), "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> columns;
  for (const ArticleCondition& condition : conditions) {
    columns.push_back({.column = ColumnOf(condition.field),
                       .op = condition.op,
                       .value = condition.value,
                       .json_array = condition.field == ArticleField::kTag});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  Page<v1::Article> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(ArticleFromRow(row));
  return page;
}

absl::StatusOr<std::pair<v1::Article, int64_t>> MysqlArticleStore::LockArticle(
    mysql::Transaction& tx, const std::string& tenant, const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(ArticleColumns(true),
                                                     "WHERE tenant_id = ? AND id = ? FOR UPDATE"),
                                        {tenant, id}));
  if (rows.empty()) return ArticleNotFound(id);
  return std::make_pair(ArticleFromRow(rows[0]), rows[0].Int(kArticleVersionColumn));
}

absl::StatusOr<v1::Article> MysqlArticleStore::UpdateArticle(const std::string& tenant,
                                                             const std::string& id,
                                                             const ArticleDecision& decide,
                                                             const std::string& editor,
                                                             absl::Time now, absl::Time deadline) {
  v1::Article result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto locked, LockArticle(tx, tenant, id));
        const auto& [current, version] = locked;
        ASSIGN_OR_RETURN(v1::Article after, decide(current));
        const bool content_changed = after.title() != current.title() ||
                                     after.body() != current.body() ||
                                     after.locale() != current.locale() ||
                                     !std::equal(after.tags().begin(), after.tags().end(),
                                                 current.tags().begin(), current.tags().end());
        const bool changed = content_changed || after.category() != current.category() ||
                             after.state() != current.state();
        if (!changed) {
          result = current;
          return absl::OkStatus();
        }
        if (after.category() != current.category()) {
          RETURN_IF_ERROR(CheckCategoryExists(tx, tenant, after));
        }
        after.set_version(current.version() + (content_changed ? 1 : 0));
        after.set_etag(EtagFor(id, version + 1));
        *after.mutable_update_time() = ToProtoTime(now);
        RETURN_IF_ERROR(
            tx->Execute(
                  "UPDATE kb_articles SET category_id = ?, locale = ?, state = ?, "
                  "title = ?, body = ?, tags = ?, revision = ?, version = ?, "
                  "update_time = ?, publish_time = ? WHERE tenant_id = ? AND id = ?",
                  {CategoryValue(after), after.locale(), int64_t{after.state()}, after.title(),
                   after.body(), TagsJson(after.tags()), int64_t{after.version()}, version + 1, now,
                   PublishTimeValue(after), tenant, id})
                .status());
        if (!content_changed) {
          RETURN_IF_ERROR(SyncPostings(tx, tenant, id, after, std::nullopt));
        } else {
          RETURN_IF_ERROR(InsertVersion(tx, tenant, id, after, editor, now));
          ASSIGN_OR_RETURN(int body_terms, WriteIndex(tx, tenant, id, after, /*fresh=*/false));
          RETURN_IF_ERROR(tx->Execute("UPDATE kb_articles SET body_terms = ? "
                                      "WHERE tenant_id = ? AND id = ?",
                                      {int64_t{body_terms}, tenant, id})
                              .status());
        }
        result = after;
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlArticleStore::DeleteArticle(const std::string& tenant, const std::string& id,
                                              const std::string& etag, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto locked, LockArticle(tx, tenant, id));
    RETURN_IF_ERROR(CheckEtag(etag, locked.first.etag()));
    for (const char* table :
         {"kb_terms", "kb_article_versions", "kb_votes", "kb_ticket_articles"}) {
      RETURN_IF_ERROR(tx->Execute(absl::StrCat("DELETE FROM ", table,
                                               " WHERE tenant_id = ? AND article_id = ?"),
                                  {tenant, id})
                          .status());
    }
    return tx->Execute("DELETE FROM kb_articles WHERE tenant_id = ? AND id = ?", {tenant, id})
        .status();
  });
}

absl::StatusOr<Page<v1::ArticleVersion>> MysqlArticleStore::ListVersions(const std::string& tenant,
                                                                         const std::string& id,
                                                                         int before_version,
                                                                         int limit,
                                                                         absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto exists,
      db->Query("SELECT 1 FROM kb_articles WHERE tenant_id = ? AND id = ?", {tenant, id}));
  if (exists.empty()) return ArticleNotFound(id);
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT revision, title, body, locale, tags, editor, create_time "
                             "FROM kb_article_versions WHERE tenant_id = ? AND article_id = ? "
                             "AND revision < ? ORDER BY revision DESC LIMIT ?",
                             {tenant, id, int64_t{before_version > 0 ? before_version : INT32_MAX},
                              int64_t{limit + 1}}));
  Page<v1::ArticleVersion> page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  for (int i = 0; i < std::min<int>(limit, static_cast<int>(rows.size())); ++i) {
    const mysql::Row& row = rows[i];
    v1::ArticleVersion& version = page.items.emplace_back();
    version.set_name(absl::StrCat("articles/", id, "/versions/", row.String(0)));
    version.set_version(static_cast<int32_t>(row.Int(0)));
    version.set_title(row.String(1));
    version.set_body(row.String(2));
    version.set_locale(row.String(3));
    ParseTags(row.String(4), *version.mutable_tags());
    version.set_editor(row.String(5));
    *version.mutable_create_time() = ToProtoTime(row.Time(6));
  }
  return page;
}

absl::StatusOr<std::vector<int64_t>> MysqlArticleStore::CountMatching(
    const std::string& tenant, const std::vector<QueryTerm>& terms, bool published_only,
    const std::string& locale, absl::Time deadline) {
  // Words found only in drafts, or only in other locales, must not look
  // common (or present) to a search or a suggestion that cannot return
  // those articles.
  ArticleSearch scope;
  scope.include_drafts = !published_only;
  scope.locale = locale;
  std::string scope_condition;
  std::vector<mysql::Value> scope_params;
  AppendSearchScope(scope, "kb_terms", scope_condition, scope_params);
  std::vector<int64_t> counts(terms.size(), 0);
  if (terms.empty()) return counts;
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::vector<QueryTerm> exact;
  for (const QueryTerm& term : terms) {
    if (!term.prefix) exact.push_back(term);
  }
  if (!exact.empty()) {
    std::string sql = "SELECT term, COUNT(*) FROM kb_terms WHERE tenant_id = ?";
    std::vector<mysql::Value> params = {tenant};
    AppendTermConditions(exact, "term", sql, params);
    absl::StrAppend(&sql, scope_condition, " GROUP BY term");
    params.insert(params.end(), scope_params.begin(), scope_params.end());
    ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
    for (const mysql::Row& row : rows) {
      for (size_t i = 0; i < terms.size(); ++i) {
        if (!terms[i].prefix && terms[i].text == row.String(0)) counts[i] = row.Int(1);
      }
    }
  }
  for (size_t i = 0; i < terms.size(); ++i) {
    if (!terms[i].prefix) continue;
    // Postings, not articles: an article with several terms that start
    // with the prefix counts for each. COUNT(DISTINCT) cost four times as
    // much, and the ranking only needs an order of magnitude.
    std::vector<mysql::Value> params = {tenant, LikePrefix(terms[i].text)};
    params.insert(params.end(), scope_params.begin(), scope_params.end());
    ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat("SELECT COUNT(*) FROM kb_terms "
                                                       "WHERE tenant_id = ? AND term LIKE ?",
                                                       scope_condition),
                                          params));
    counts[i] = rows.at(0).Int(0);
  }
  return counts;
}

absl::StatusOr<Page<ScoredArticle>> MysqlArticleStore::Search(const std::string& tenant,
                                                              const ArticleSearch& search,
                                                              absl::Time deadline) {
  Page<ScoredArticle> page;
  // Exact conditions first, then prefixes: the statement's text then
  // depends only on how many there are of each, so few are prepared.
  std::vector<QueryTerm> terms;
  std::vector<bool> required;
  for (bool prefix : {false, true}) {
    for (size_t i = 0; i < search.terms.size() + search.optional_terms.size(); ++i) {
      const bool optional = i >= search.terms.size();
      const QueryTerm& term =
          optional ? search.optional_terms[i - search.terms.size()] : search.terms[i];
      if (term.prefix != prefix) continue;
      terms.push_back(term);
      required.push_back(search.match_all && !optional);
    }
  }
  if (terms.empty()) return page;

  ASSIGN_OR_RETURN(std::vector<int64_t> matching,
                   CountMatching(tenant, terms, !search.include_drafts, search.locale, deadline));
  // The rarest required condition bounds the candidates (with a single
  // condition that bound is the scan itself, and doubled its cost).
  std::optional<size_t> driver;
  int64_t required_count = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (!required[i]) continue;
    if (matching[i] == 0) return page;  // a required condition matches nothing
    ++required_count;
    if (!driver.has_value() || matching[i] < matching[*driver]) driver = i;
  }
  if (terms.size() == 1) driver.reset();

  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(const CollectionStats stats, Stats(*db, tenant, search));

  // Ranked inside the database: only the page travels back. Each posting
  // counts for the first condition it matches.
  auto condition = [](const QueryTerm& term) {
    return term.prefix ? "p.term LIKE ?" : "p.term = ?";
  };
  auto value = [](const QueryTerm& term) -> mysql::Value {
    return term.prefix ? LikePrefix(term.text) : term.text;
  };
  std::vector<mysql::Value> params;
  std::string idf_case = "CASE";
  for (size_t i = 0; i < terms.size(); ++i) {
    absl::StrAppend(&idf_case, " WHEN ", condition(terms[i]), " THEN ?");
    params.push_back(value(terms[i]));
    params.emplace_back(InverseDocumentFrequency(matching[i], stats));
  }
  absl::StrAppend(&idf_case, " END");
  params.emplace_back(stats.mean_body_terms);
  std::string required_case = "CASE";
  for (size_t i = 0; i < terms.size(); ++i) {
    absl::StrAppend(&required_case, " WHEN ", condition(terms[i]), " THEN ?");
    params.push_back(value(terms[i]));
    params.push_back(required[i] ? mysql::Value{static_cast<int64_t>(i)} : mysql::Value{nullptr});
  }
  absl::StrAppend(&required_case, " END");
  std::string sql = absl::StrCat("SELECT p.article_id, SUM((", idf_case, ") * ",
                                 TermScoreSql("p.title_count", "p.body_count", "p.body_terms", "?"),
                                 ") AS score, COUNT(DISTINCT ", required_case,
                                 ") AS required_matched FROM kb_terms p WHERE p.tenant_id = ?");
  params.emplace_back(tenant);
  AppendTermConditions(terms, "p.term", sql, params);
  AppendSearchScope(search, "p", sql, params);
  if (driver.has_value()) {
    const QueryTerm& rarest = terms[*driver];
    absl::StrAppend(&sql,
                    " AND p.article_id IN (SELECT d.article_id FROM kb_terms d WHERE "
                    "d.tenant_id = ? AND d.term ",
                    rarest.prefix ? "LIKE ?)" : "= ?)");
    params.emplace_back(tenant);
    params.push_back(value(rarest));
  }
  absl::StrAppend(&sql,
                  " GROUP BY p.article_id HAVING required_matched >= ? AND score > 0 "
                  "ORDER BY score DESC, p.article_id DESC LIMIT ? OFFSET ?");
  params.emplace_back(required_count);
  params.emplace_back(int64_t{search.limit + 1});
  params.emplace_back(int64_t{search.offset});
  ASSIGN_OR_RETURN(auto ranked, db->Query(sql, params));
  page.has_more = static_cast<int>(ranked.size()) > search.limit;
  if (page.has_more) ranked.pop_back();
  if (ranked.empty()) return page;

  std::vector<mysql::Value> ids = {tenant};
  for (const mysql::Row& row : ranked) ids.emplace_back(row.String(0));
  ASSIGN_OR_RETURN(auto articles,
                   db->Query(absl::StrCat(ArticleColumns(true), "WHERE tenant_id = ? AND id IN (",
                                          mysql::ParameterList(ranked.size()), ")"),
                             ids));
  std::map<std::string, v1::Article> by_id;
  for (const mysql::Row& row : articles) {
    v1::Article article = ArticleFromRow(row);
    // Unpublished between the ranking and this read: still not for readers.
    if (!search.include_drafts && article.state() != v1::Article::PUBLISHED) continue;
    by_id[row.String(0)] = std::move(article);
  }
  for (const mysql::Row& row : ranked) {
    auto found = by_id.find(row.String(0));
    if (found == by_id.end()) continue;  // deleted (or unpublished) since it was ranked
    page.items.push_back({std::move(found->second), row.Double(1)});
  }
  return page;
}

absl::StatusOr<CollectionStats> MysqlArticleStore::Stats(mysql::Connection& db,
                                                         const std::string& tenant,
                                                         const ArticleSearch& search) {
  const std::string key = absl::StrCat(tenant, "\n", search.include_drafts, "\n", search.locale,
                                       "\n", search.category_id);
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    auto cached = stats_cache_.find(key);
    if (cached != stats_cache_.end() && cached->second.second > now) return cached->second.first;
  }
  std::string sql =
      "SELECT COUNT(*), COALESCE(AVG(a.body_terms), 0) FROM kb_articles a WHERE a.tenant_id = ?";
  std::vector<mysql::Value> params = {tenant};
  AppendSearchScope(search, "a", sql, params);
  ASSIGN_OR_RETURN(auto rows, db.Query(sql, params));
  CollectionStats stats;
  stats.articles = rows.at(0).Int(0);
  stats.mean_body_terms = rows.at(0).Double(1);
  std::lock_guard<std::mutex> lock(stats_mu_);
  if (stats_cache_.size() >= kMaxCachedStats) stats_cache_.clear();
  stats_cache_[key] = {stats, now + kStatsTtl};
  return stats;
}

absl::StatusOr<v1::Article> MysqlArticleStore::Vote(const std::string& tenant,
                                                    const std::string& id, const std::string& voter,
                                                    bool helpful, absl::Time now,
                                                    absl::Time deadline) {
  v1::Article result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto locked, LockArticle(tx, tenant, id));
        v1::Article& article = locked.first;
        if (article.state() != v1::Article::PUBLISHED) {
          return absl::FailedPreconditionError("only published articles take votes");
        }
        ASSIGN_OR_RETURN(auto votes, tx->Query("SELECT helpful FROM kb_votes WHERE tenant_id = ? "
                                               "AND article_id = ? AND voter = ? FOR UPDATE",
                                               {tenant, id, voter}));
        const bool replaced = !votes.empty();
        if (replaced && (votes[0].Int(0) != 0) == helpful) {
          result = article;  // the same vote again
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(tx->Execute("INSERT INTO kb_votes (tenant_id, article_id, voter, helpful, "
                                    "vote_time) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                                    "helpful = VALUES(helpful), vote_time = VALUES(vote_time)",
                                    {tenant, id, voter, helpful, now})
                            .status());
        int64_t helpful_delta = helpful ? 1 : 0;
        int64_t not_helpful_delta = helpful ? 0 : 1;
        if (replaced) {
          helpful_delta += helpful ? 0 : -1;
          not_helpful_delta += helpful ? -1 : 0;
        }
        RETURN_IF_ERROR(tx->Execute("UPDATE kb_articles SET helpful_votes = helpful_votes + ?, "
                                    "not_helpful_votes = not_helpful_votes + ? "
                                    "WHERE tenant_id = ? AND id = ?",
                                    {helpful_delta, not_helpful_delta, tenant, id})
                            .status());
        article.set_helpful_votes(article.helpful_votes() + helpful_delta);
        article.set_not_helpful_votes(article.not_helpful_votes() + not_helpful_delta);
        v1::ArticleVoted event;
        event.set_article(article.name());
        event.set_locale(article.locale());
        event.set_voter(voter);
        event.set_helpful(helpful);
        event.set_replaced(replaced);
        event.set_helpful_votes(article.helpful_votes());
        event.set_not_helpful_votes(article.not_helpful_votes());
        *event.mutable_vote_time() = ToProtoTime(now);
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, article.name(), event, now));
        result = article;
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Article> MysqlArticleStore::RecordView(const std::string& tenant,
                                                          const std::string& id,
                                                          const std::string& viewer,
                                                          const CreateKey& key, absl::Time now,
                                                          absl::Time deadline) {
  const std::string name = ResourceName("articles", id);
  auto count = [&](mysql::Transaction& tx) -> absl::Status {
    // A plain increment: readers must not wait on each other for a lock
    // held while the row is read back.
    ASSIGN_OR_RETURN(int64_t updated,
                     tx->Execute("UPDATE kb_articles SET view_count = view_count + 1 "
                                 "WHERE tenant_id = ? AND id = ? AND state = ?",
                                 {tenant, id, int64_t{v1::Article::PUBLISHED}}));
    ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT state, locale, category_id, view_count "
                                          "FROM kb_articles WHERE tenant_id = ? AND id = ?",
                                          {tenant, id}));
    if (rows.empty()) return ArticleNotFound(id);
    if (updated == 0) {
      return absl::FailedPreconditionError("only views of published articles are counted");
    }
    v1::ArticleViewed event;
    event.set_article(name);
    event.set_locale(rows[0].String(1));
    if (!rows[0].IsNull(2)) event.set_category(ResourceName("categories", rows[0].String(2)));
    event.set_viewer(viewer);
    event.set_view_count(rows[0].Int(3));
    *event.mutable_view_time() = ToProtoTime(now);
    return outbox_->Append(tx, tenant, name, event, now);
  };
  RETURN_IF_ERROR(
      CreateOnce(*pool_, deadline, tenant, "RecordArticleView", key, name, count).status());
  return GetArticle(tenant, id, deadline);
}

absl::StatusOr<std::pair<std::string, std::string>> MysqlArticleStore::TicketText(
    const std::string& tenant, const std::string& ticket_id, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query("SELECT subject, description FROM tickets "
                                        "WHERE tenant_id = ? AND id = ?",
                                        {tenant, ticket_id}));
  if (rows.empty()) return TicketNotFound(ticket_id);
  return std::make_pair(rows[0].String(0), rows[0].String(1));
}

absl::StatusOr<v1::TicketArticleLink> MysqlArticleStore::Link(const std::string& tenant,
                                                              const std::string& ticket_id,
                                                              const std::string& article_id,
                                                              const std::string& actor,
                                                              absl::Time now, absl::Time deadline) {
  v1::TicketArticleLink link;
  link.set_ticket(ResourceName("tickets", ticket_id));
  link.set_article(ResourceName("articles", article_id));
  absl::Status status =
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto tickets, tx->Query("SELECT 1 FROM tickets WHERE tenant_id = ? AND "
                                                 "id = ? LOCK IN SHARE MODE",
                                                 {tenant, ticket_id}));
        if (tickets.empty()) return TicketNotFound(ticket_id);
        ASSIGN_OR_RETURN(auto articles,
                         tx->Query("SELECT title, locale FROM kb_articles WHERE tenant_id = ? AND "
                                   "id = ? LOCK IN SHARE MODE",
                                   {tenant, article_id}));
        if (articles.empty()) return ArticleNotFound(article_id);
        link.set_article_title(articles[0].String(0));
        ASSIGN_OR_RETURN(auto existing, tx->Query("SELECT actor, link_time FROM kb_ticket_articles "
                                                  "WHERE tenant_id = ? AND ticket_id = ? AND "
                                                  "article_id = ?",
                                                  {tenant, ticket_id, article_id}));
        if (!existing.empty()) {
          link.set_actor(existing[0].String(0));
          *link.mutable_link_time() = ToProtoTime(existing[0].Time(1));
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(tx->Execute("INSERT INTO kb_ticket_articles (tenant_id, ticket_id, "
                                    "article_id, actor, link_time) VALUES (?, ?, ?, ?, ?)",
                                    {tenant, ticket_id, article_id, actor, now})
                            .status());
        link.set_actor(actor);
        *link.mutable_link_time() = ToProtoTime(now);
        v1::ArticleLinked event;
        event.set_article(link.article());
        event.set_ticket(link.ticket());
        event.set_locale(articles[0].String(1));
        event.set_actor(actor);
        *event.mutable_link_time() = ToProtoTime(now);
        return outbox_->Append(tx, tenant, link.article(), event, now);
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    // A concurrent call linked the same pair first: answer with its link.
    return Link(tenant, ticket_id, article_id, actor, now, deadline);
  }
  RETURN_IF_ERROR(status);
  return link;
}

absl::Status MysqlArticleStore::Unlink(const std::string& tenant, const std::string& ticket_id,
                                       const std::string& article_id, const std::string& actor,
                                       absl::Time now, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto links,
                     tx->Query("SELECT a.locale FROM kb_ticket_articles l JOIN kb_articles a ON "
                               "a.tenant_id = l.tenant_id AND a.id = l.article_id "
                               "WHERE l.tenant_id = ? AND l.ticket_id = ? AND l.article_id = ? "
                               "FOR UPDATE",
                               {tenant, ticket_id, article_id}));
    if (links.empty()) {
      return absl::NotFoundError(
          absl::StrCat("tickets/", ticket_id, " is not linked to articles/", article_id));
    }
    RETURN_IF_ERROR(tx->Execute("DELETE FROM kb_ticket_articles WHERE tenant_id = ? AND "
                                "ticket_id = ? AND article_id = ?",
                                {tenant, ticket_id, article_id})
                        .status());
    v1::ArticleLinked event;
    event.set_article(ResourceName("articles", article_id));
    event.set_ticket(ResourceName("tickets", ticket_id));
    event.set_locale(links[0].String(0));
    event.set_actor(actor);
    event.set_unlinked(true);
    *event.mutable_link_time() = ToProtoTime(now);
    return outbox_->Append(tx, tenant, event.article(), event, now);
  });
}

absl::StatusOr<Page<v1::TicketArticleLink>> MysqlArticleStore::ListLinks(
    const std::string& tenant, const std::string& ticket_id,
    const std::optional<KeysetPosition>& after, int limit, bool include_drafts,
    absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto tickets, db->Query("SELECT 1 FROM tickets WHERE tenant_id = ? AND id = ?",
                                           {tenant, ticket_id}));
  if (tickets.empty()) return TicketNotFound(ticket_id);
  std::string sql =
      "SELECT l.article_id, a.title, l.actor, l.link_time FROM kb_ticket_articles l "
      "JOIN kb_articles a ON a.tenant_id = l.tenant_id AND a.id = l.article_id "
      "WHERE l.tenant_id = ? AND l.ticket_id = ?";
  std::vector<mysql::Value> params = {tenant, ticket_id};
  if (!include_drafts) {
    absl::StrAppend(&sql, " AND a.state = ?");
    params.emplace_back(int64_t{v1::Article::PUBLISHED});
  }
  if (after.has_value()) {
    absl::StrAppend(&sql, " AND (l.link_time > ? OR (l.link_time = ? AND l.article_id > ?))");
    params.emplace_back(after->create_time);
    params.emplace_back(after->create_time);
    params.emplace_back(after->id);
  }
  absl::StrAppend(&sql, " ORDER BY l.link_time, l.article_id LIMIT ?");
  params.emplace_back(int64_t{limit + 1});
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  Page<v1::TicketArticleLink> page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  for (int i = 0; i < std::min<int>(limit, static_cast<int>(rows.size())); ++i) {
    v1::TicketArticleLink& link = page.items.emplace_back();
    link.set_ticket(ResourceName("tickets", ticket_id));
    link.set_article(ResourceName("articles", rows[i].String(0)));
    link.set_article_title(rows[i].String(1));
    link.set_actor(rows[i].String(2));
    *link.mutable_link_time() = ToProtoTime(rows[i].Time(3));
  }
  return page;
}

}  // namespace tandem::support
