-- The knowledge base: categories, articles with every version of their
-- content, the full-text index (services/support/text_index.h), votes and
-- the links from tickets to the articles that solved them.
CREATE TABLE kb_categories (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY kb_categories_by_name (tenant_id, display_name),
  KEY kb_categories_by_time (tenant_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- `version` is the row version behind the etag; `revision` the number of
-- the current content version in kb_article_versions. `body_terms` is the
-- body's length in index terms (for ranking).
CREATE TABLE kb_articles (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  category_id CHAR(26) NULL,
  locale VARCHAR(35) NOT NULL,
  state TINYINT NOT NULL,
  title VARCHAR(250) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  tags JSON NOT NULL,
  revision INT NOT NULL DEFAULT 1,
  author VARCHAR(128) NOT NULL,
  helpful_votes BIGINT NOT NULL DEFAULT 0,
  not_helpful_votes BIGINT NOT NULL DEFAULT 0,
  view_count BIGINT NOT NULL DEFAULT 0,
  body_terms INT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  publish_time DATETIME(6) NULL,
  PRIMARY KEY (tenant_id, id),
  KEY kb_articles_by_time (tenant_id, create_time, id),
  KEY kb_articles_by_state (tenant_id, state, locale, create_time, id),
  KEY kb_articles_by_category (tenant_id, category_id, create_time, id),
  KEY kb_articles_for_ranking (tenant_id, state, locale, body_terms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE kb_article_versions (
  tenant_id VARCHAR(64) NOT NULL,
  article_id CHAR(26) NOT NULL,
  revision INT NOT NULL,
  title VARCHAR(250) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  locale VARCHAR(35) NOT NULL,
  tags JSON NOT NULL,
  editor VARCHAR(128) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, article_id, revision)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The inverted index: one row per (term, article). Terms compare byte for
-- byte (they are normalised before they get here), so a prefix LIKE is
-- a range scan of the primary key. Each row repeats what a search filters
-- and ranks on (state, locale, category, body length), so a search reads
-- the postings of its terms and nothing else: joining kb_articles for
-- these cost three times as much (tests/bench/README.md).
CREATE TABLE kb_terms (
  tenant_id VARCHAR(64) NOT NULL,
  term VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  article_id CHAR(26) NOT NULL,
  title_count SMALLINT NOT NULL,
  body_count SMALLINT NOT NULL,
  state TINYINT NOT NULL,
  locale VARCHAR(35) NOT NULL,
  category_id CHAR(26) NULL,
  body_terms INT NOT NULL,
  PRIMARY KEY (tenant_id, term, article_id),
  KEY kb_terms_by_article (tenant_id, article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE kb_votes (
  tenant_id VARCHAR(64) NOT NULL,
  article_id CHAR(26) NOT NULL,
  voter VARCHAR(128) NOT NULL,
  helpful BOOLEAN NOT NULL,
  vote_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, article_id, voter)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE kb_ticket_articles (
  tenant_id VARCHAR(64) NOT NULL,
  ticket_id CHAR(26) NOT NULL,
  article_id CHAR(26) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  link_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id, article_id),
  KEY kb_ticket_articles_by_time (tenant_id, ticket_id, link_time, article_id),
  KEY kb_ticket_articles_by_article (tenant_id, article_id, ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
