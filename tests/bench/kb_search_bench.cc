// kb_search_bench: measures the knowledge base's own n-gram index (the
// real MysqlArticleStore) against Mroonga on the same synthetic articles,
// half Japanese and half English, on the test MariaDB server
// (TANDEM_TEST_DB_* as for the integration tests; Mroonga needs
// mariadb-plugin-mroonga installed, and is loaded as root).
//
//   kb_search_bench [ARTICLES] [ROUNDS]     defaults 10000 and 5
//   KB_BENCH_KEEP=1 kb_search_bench ...     keeps the database for EXPLAIN
//
// Prints the build time of each index, its size, and the latency of a mix
// of searches (each query run ROUNDS times; percentiles over all runs).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/feed/outbox.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common_migrations.h"
#include "services/support/mysql_article_store.h"
#include "support_migrations.h"
#include "tests/testing/test_database.h"

namespace tandem {
namespace {

namespace sv1 = ::tandem::support::v1;

// Everyday support vocabulary, then made-up product words that are rare.
const std::vector<std::string> kJapaneseWords = {
    "返品",       "返金",     "手続き",     "配送",         "注文",
    "キャンセル", "お届け",   "送料",       "支払い",       "クレジットカード",
    "請求書",     "領収書",   "ログイン",   "パスワード",   "アカウント",
    "登録",       "解約",     "変更",       "確認",         "メール",
    "通知",       "設定",     "アプリ",     "更新",         "エラー",
    "在庫",       "交換",     "保証",       "修理",         "問い合わせ",
    "会員",       "ポイント", "クーポン",   "割引",         "住所",
    "電話番号",   "本人確認", "二段階認証", "セキュリティ", "プラン",
    "料金",       "無料",     "期間",       "受け取り",     "不良品",
    "破損",       "サイズ",   "色",         "商品",         "対応",
    "方法",       "場合",     "以内"};
const std::vector<std::string> kJapaneseGlue = {
    "の",   "は",       "を",       "に",           "で",         "が", "と",
    "から", "について", "できます", "してください", "となります", "。", "、"};
const std::vector<std::string> kEnglishWords = {
    "return",       "refund",   "order",        "shipping", "delivery",     "cancel",   "payment",
    "card",         "invoice",  "receipt",      "login",    "password",     "account",  "sign",
    "change",       "email",    "notification", "settings", "app",          "update",   "error",
    "stock",        "exchange", "warranty",     "repair",   "contact",      "member",   "points",
    "coupon",       "discount", "address",      "phone",    "verification", "security", "plan",
    "price",        "free",     "trial",        "pickup",   "damaged",      "size",     "color",
    "product",      "support",  "method",       "days",     "within",       "reset",    "forgot",
    "subscription", "renewal",  "export",       "import",   "report",       "team",     "invite",
    "billing"};
const std::vector<std::string> kEnglishGlue = {"the",  "a",   "to",   "of",  "and",   "in", "for",
                                               "your", "you", "is",   "can", "with",  "on", "how",
                                               "if",   "it",  "this", "we",  "please"};

class TextMaker {
 public:
  explicit TextMaker(uint32_t seed) : random_(seed) {
    const char* kana = "アイウエオカキクケコサシスセソタチツテトナニヌネノマミムメモラリルレロ";
    std::vector<std::string> syllables;
    for (const char* p = kana; *p != '\0'; p += 3) syllables.emplace_back(p, 3);
    const char* latin[] = {"ka", "ze", "lo", "mi", "tor", "ven", "qua", "ril", "sa", "dex"};
    for (int i = 0; i < 2000; ++i) {
      std::string ja, en;
      for (int k = 0; k < 3 + i % 3; ++k) {
        ja += syllables[(i * 7 + k * 13) % syllables.size()];
        en += latin[(i * 3 + k * 7 + i / 10) % 10];
      }
      rare_ja_.push_back(ja);
      rare_en_.push_back(absl::StrCat(en, i % 97));
    }
  }

  std::string Japanese(int words) {
    std::string out;
    for (int i = 0; i < words; ++i) {
      out += Word(kJapaneseWords, rare_ja_);
      out += kJapaneseGlue[Uniform(kJapaneseGlue.size())];
    }
    return out;
  }

  std::string English(int words) {
    std::vector<std::string> out;
    for (int i = 0; i < words; ++i) {
      out.push_back(i % 2 == 0 ? kEnglishGlue[Uniform(kEnglishGlue.size())]
                               : Word(kEnglishWords, rare_en_));
    }
    return absl::StrJoin(out, " ");
  }

  const std::vector<std::string>& rare_ja() const { return rare_ja_; }
  const std::vector<std::string>& rare_en() const { return rare_en_; }

 private:
  size_t Uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }
  // Common words four times out of five, Zipf-like over the list; else a
  // rare word.
  std::string Word(const std::vector<std::string>& common, const std::vector<std::string>& rare) {
    if (Uniform(5) != 0) {
      const double u = std::uniform_real_distribution<double>(0, 1)(random_);
      return common[static_cast<size_t>(u * u * static_cast<double>(common.size()))];
    }
    return rare[Uniform(rare.size())];
  }

  std::mt19937 random_;
  std::vector<std::string> rare_ja_;
  std::vector<std::string> rare_en_;
};

struct Latency {
  std::vector<double> ms;
  void Add(absl::Duration d) { ms.push_back(absl::ToDoubleMilliseconds(d)); }
  double Percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  }
  double Mean() const {
    double sum = 0;
    for (double v : ms) sum += v;
    return ms.empty() ? 0 : sum / static_cast<double>(ms.size());
  }
};

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "kb_search_bench: %s: %s\n", what, status.ToString().c_str());
    std::exit(1);
  }
}

double MegabytesOf(mysql::Pool& pool, const std::string& database, const std::string& table) {
  auto db = pool.Acquire();
  Check(db.status(), "acquire");
  Check((*db)->Query(absl::StrCat("ANALYZE TABLE ", table)).status(), "analyze");
  auto rows = (*db)->Query(
      "SELECT data_length + index_length FROM information_schema.tables "
      "WHERE table_schema = ? AND table_name = ?",
      {database, table});
  Check(rows.status(), "size");
  return rows->empty() ? 0 : static_cast<double>((*rows)[0].Int(0)) / (1024.0 * 1024.0);
}

int Run(int articles, int rounds) {
  testing::TestDatabase database("kb_bench");
  database.Migrate({CommonMigrations(), SupportMigrations()});
  mysql::Pool& pool = database.pool();
  feed::Outbox outbox(&pool);
  support::MysqlArticleStore store(&pool, &outbox);

  absl::Status installed = testing::ExecuteAsRoot("INSTALL SONAME 'ha_mroonga'");
  if (!installed.ok() && installed.message().find("exists") == std::string::npos) {
    std::fprintf(stderr, "Mroonga not loadable (%s); measuring the own index only\n",
                 std::string(installed.message()).c_str());
  }
  const bool mroonga = installed.ok() || installed.message().find("exists") != std::string::npos;
  const std::vector<std::pair<std::string, std::string>> kMroongaTables = {
      {"kb_mroonga_storage", ""}, {"kb_mroonga_wrapper", " COMMENT='engine \"InnoDB\"'"}};
  if (mroonga) {
    auto db = pool.Acquire();
    Check(db.status(), "acquire");
    for (const auto& [table, comment] : kMroongaTables) {
      Check((*db)->ExecuteDirect(absl::StrCat(
                "CREATE TABLE ", table,
                " (tenant_id VARCHAR(64) NOT NULL, id CHAR(26) NOT NULL, state TINYINT NOT NULL, "
                "locale VARCHAR(35) NOT NULL, title VARCHAR(250) NOT NULL, body MEDIUMTEXT NOT "
                "NULL, PRIMARY KEY (tenant_id, id), FULLTEXT INDEX ft (title, body) COMMENT "
                "'normalizer \"NormalizerAuto\"') ENGINE=Mroonga",
                comment, " DEFAULT CHARSET=utf8mb4")),
            "create mroonga table");
    }
  }

  TextMaker maker(42);
  std::vector<sv1::Article> corpus;
  for (int i = 0; i < articles; ++i) {
    sv1::Article article;
    const absl::Time at = absl::Now();
    article.set_name(ResourceName("articles", NewIdAt(at)));
    const bool japanese = i % 2 == 0;
    article.set_locale(japanese ? "ja" : "en");
    article.set_title(japanese ? maker.Japanese(3) : maker.English(6));
    article.set_body(japanese ? maker.Japanese(90) : maker.English(260));
    article.set_state(i % 10 == 9 ? sv1::Article::DRAFT : sv1::Article::PUBLISHED);
    article.set_version(1);
    article.set_author("bench");
    *article.mutable_create_time() = ToProtoTime(at);
    *article.mutable_update_time() = ToProtoTime(at);
    corpus.push_back(std::move(article));
  }
  size_t bytes = 0;
  for (const auto& article : corpus) bytes += article.title().size() + article.body().size();
  std::printf("articles: %d (half ja, half en; 10%% drafts), text %.1f MiB\n", articles,
              static_cast<double>(bytes) / (1024.0 * 1024.0));

  absl::Time start = absl::Now();
  for (const sv1::Article& article : corpus) {
    Check(store.CreateArticle("bench", article, {}, absl::InfiniteFuture()).status(), "create");
  }
  const absl::Duration own_build = absl::Now() - start;
  std::printf(
      "own index: build %.1f s (%.2f ms per article), kb_terms %.0f MiB, kb_articles %.0f "
      "MiB\n",
      absl::ToDoubleSeconds(own_build), absl::ToDoubleMilliseconds(own_build) / articles,
      MegabytesOf(pool, database.name(), "kb_terms"),
      MegabytesOf(pool, database.name(), "kb_articles"));
  {
    // Re-indexing an edited article (a content update).
    const absl::Time edit_start = absl::Now();
    constexpr int kEdits = 200;
    for (int i = 0; i < kEdits; ++i) {
      const sv1::Article& article = corpus[static_cast<size_t>(i) * corpus.size() / kEdits];
      Check(store
                .UpdateArticle(
                    "bench", article.name().substr(9),
                    [&](const sv1::Article& current) -> absl::StatusOr<sv1::Article> {
                      sv1::Article after = current;
                      after.set_body(current.body() + (i % 2 == 0 ? " 追記" : " more"));
                      return after;
                    },
                    "bench", absl::Now(), absl::InfiniteFuture())
                .status(),
            "update");
    }
    std::printf("own index: content update with re-index %.2f ms per article\n",
                absl::ToDoubleMilliseconds(absl::Now() - edit_start) / kEdits);
  }
  if (mroonga) {
    for (const auto& [table, comment] : kMroongaTables) {
      auto db = pool.Acquire();
      Check(db.status(), "acquire");
      start = absl::Now();
      for (const sv1::Article& article : corpus) {
        Check(
            (*db)
                ->Execute(absl::StrCat("INSERT INTO ", table,
                                       " (tenant_id, id, state, locale, title, body) VALUES "
                                       "(?, ?, ?, ?, ?, ?)"),
                          {std::string("bench"), article.name().substr(9), int64_t{article.state()},
                           article.locale(), article.title(), article.body()})
                .status(),
            "mroonga insert");
      }
      const absl::Duration build = absl::Now() - start;
      std::printf("%s: build %.1f s (%.2f ms per article), %.0f MiB in information_schema\n",
                  table.c_str(), absl::ToDoubleSeconds(build),
                  absl::ToDoubleMilliseconds(build) / articles,
                  MegabytesOf(pool, database.name(), table));
    }
  }

  if (mroonga) {
    // Mroonga keeps its Groonga database in files beside the schema's
    // directory, <datadir>/<database>.mrn*, for all its tables together.
    auto db = pool.Acquire();
    Check(db.status(), "acquire");
    auto rows = (*db)->Query("SELECT @@datadir");
    Check(rows.status(), "datadir");
    std::error_code error;
    uintmax_t total = 0;
    for (const auto& entry : std::filesystem::directory_iterator((*rows)[0].String(0), error)) {
      if (entry.path().filename().string().rfind(database.name() + ".mrn", 0) == 0) {
        total += entry.file_size(error);
      }
    }
    std::printf("Groonga files of both Mroonga tables: %.0f MiB\n",
                static_cast<double>(total) / (1024.0 * 1024.0));
  }

  // Queries: common and rare words, one and two of them, both languages.
  std::vector<std::string> queries = {"返品",
                                      "返金 手続き",
                                      "パスワード",
                                      "配送 住所 変更",
                                      "二段階認証",
                                      "クーポン 割引",
                                      "金",
                                      "refund",
                                      "reset password",
                                      "shipping address change",
                                      "invoice",
                                      "the",
                                      "how to cancel my subscription"};
  for (int i = 0; i < 10; ++i) {
    queries.push_back(maker.rare_ja()[static_cast<size_t>(i) * 97 % maker.rare_ja().size()]);
    queries.push_back(maker.rare_en()[static_cast<size_t>(i) * 89 % maker.rare_en().size()]);
  }
  Latency own;
  std::vector<Latency> by_query(queries.size());
  std::vector<size_t> own_hits(queries.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t q = 0; q < queries.size(); ++q) {
      support::ArticleSearch search;
      for (const support::QueryTerm& term : support::QueryTerms(queries[q])) {
        (support::IsCommonWord(term.text) ? search.optional_terms : search.terms).push_back(term);
      }
      if (search.terms.empty()) std::swap(search.terms, search.optional_terms);
      search.limit = 10;
      const absl::Time t = absl::Now();
      auto page = store.Search("bench", search, absl::InfiniteFuture());
      const absl::Duration d = absl::Now() - t;
      Check(page.status(), "search");
      own.Add(d);
      by_query[q].Add(d);
      own_hits[q] = page->items.size();
    }
  }
  std::printf(
      "\nown index search (page of 10, articles read back): p50 %.2f ms, p95 %.2f ms, "
      "max %.2f ms, mean %.2f ms over %zu searches\n",
      own.Percentile(0.5), own.Percentile(0.95), own.Percentile(1.0), own.Mean(), own.ms.size());
  for (size_t q = 0; q < 13; ++q) {
    std::printf("  %-32s p50 %7.2f ms  (%zu hits on page)\n", queries[q].c_str(),
                by_query[q].Percentile(0.5), own_hits[q]);
  }
  if (mroonga) {
    for (const auto& [table, comment] : kMroongaTables) {
      Latency latency;
      auto db = pool.Acquire();
      Check(db.status(), "acquire");
      for (int round = 0; round < rounds; ++round) {
        for (const std::string& query : queries) {
          std::vector<std::string> words;
          for (absl::string_view word : absl::StrSplit(query, ' ')) {
            if (!word.empty()) words.push_back(absl::StrCat("+", word));
          }
          const std::string against = absl::StrCat("*W1:3,2:1 ", absl::StrJoin(words, " "));
          const absl::Time t = absl::Now();
          auto rows = (*db)->Query(
              absl::StrCat("SELECT id, title, body, MATCH(title, body) AGAINST(? IN BOOLEAN MODE) "
                           "AS score FROM ",
                           table,
                           " WHERE MATCH(title, body) AGAINST(? IN BOOLEAN MODE) AND tenant_id "
                           "= ? AND state = 2 ORDER BY score DESC LIMIT 10"),
              {against, against, std::string("bench")});
          latency.Add(absl::Now() - t);
          Check(rows.status(), "mroonga search");
        }
      }
      std::printf(
          "%s search (page of 10 with bodies): p50 %.2f ms, p95 %.2f ms, max %.2f ms, "
          "mean %.2f ms\n",
          table.c_str(), latency.Percentile(0.5), latency.Percentile(0.95), latency.Percentile(1.0),
          latency.Mean());
    }
  }
  if (std::getenv("KB_BENCH_KEEP") != nullptr) {
    // For EXPLAIN ANALYZE by hand: leave the database (and its user) behind.
    std::printf("kept database %s\n", database.name().c_str());
    std::fflush(stdout);
    std::_Exit(0);
  }
  return 0;
}

}  // namespace
}  // namespace tandem

int main(int argc, char** argv) {
  const int articles = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  return tandem::Run(articles, rounds);
}
