// The gRPC adapter for tandem.support.v1.KnowledgeBaseService:
// authenticates, checks roles, and hands each call to KnowledgeBaseManager.
#ifndef TANDEM_SERVICES_SUPPORT_KNOWLEDGE_BASE_SERVICE_H_
#define TANDEM_SERVICES_SUPPORT_KNOWLEDGE_BASE_SERVICE_H_

#include "common/auth.h"
#include "services/support/knowledge_base_manager.h"
#include "tandem/support/v1/knowledge_base.grpc.pb.h"

namespace tandem::support {

// Roles: `agent` (and `admin`) for every write and for ListArticleVersions
// (an editor's tool); every role may read, search, vote and record views,
// and the manager keeps drafts from readers.
class KnowledgeBaseServiceImpl final : public v1::KnowledgeBaseService::Service {
 public:
  KnowledgeBaseServiceImpl(const Authenticator* auth, KnowledgeBaseManager* knowledge_base)
      : auth_(auth), knowledge_base_(knowledge_base) {}

  grpc::Status CreateCategory(grpc::ServerContext* context,
                              const v1::CreateCategoryRequest* request,
                              v1::Category* response) override;
  grpc::Status GetCategory(grpc::ServerContext* context, const v1::GetCategoryRequest* request,
                           v1::Category* response) override;
  grpc::Status ListCategories(grpc::ServerContext* context,
                              const v1::ListCategoriesRequest* request,
                              v1::ListCategoriesResponse* response) override;
  grpc::Status UpdateCategory(grpc::ServerContext* context,
                              const v1::UpdateCategoryRequest* request,
                              v1::Category* response) override;
  grpc::Status DeleteCategory(grpc::ServerContext* context,
                              const v1::DeleteCategoryRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status CreateArticle(grpc::ServerContext* context, const v1::CreateArticleRequest* request,
                             v1::Article* response) override;
  grpc::Status GetArticle(grpc::ServerContext* context, const v1::GetArticleRequest* request,
                          v1::Article* response) override;
  grpc::Status ListArticles(grpc::ServerContext* context, const v1::ListArticlesRequest* request,
                            v1::ListArticlesResponse* response) override;
  grpc::Status UpdateArticle(grpc::ServerContext* context, const v1::UpdateArticleRequest* request,
                             v1::Article* response) override;
  grpc::Status DeleteArticle(grpc::ServerContext* context, const v1::DeleteArticleRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListArticleVersions(grpc::ServerContext* context,
                                   const v1::ListArticleVersionsRequest* request,
                                   v1::ListArticleVersionsResponse* response) override;
  grpc::Status SearchArticles(grpc::ServerContext* context,
                              const v1::SearchArticlesRequest* request,
                              v1::SearchArticlesResponse* response) override;
  grpc::Status VoteArticle(grpc::ServerContext* context, const v1::VoteArticleRequest* request,
                           v1::Article* response) override;
  grpc::Status RecordArticleView(grpc::ServerContext* context,
                                 const v1::RecordArticleViewRequest* request,
                                 v1::Article* response) override;
  grpc::Status SuggestArticles(grpc::ServerContext* context,
                               const v1::SuggestArticlesRequest* request,
                               v1::SuggestArticlesResponse* response) override;
  grpc::Status LinkArticle(grpc::ServerContext* context, const v1::LinkArticleRequest* request,
                           v1::TicketArticleLink* response) override;
  grpc::Status UnlinkArticle(grpc::ServerContext* context, const v1::UnlinkArticleRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListTicketArticles(grpc::ServerContext* context,
                                  const v1::ListTicketArticlesRequest* request,
                                  v1::ListTicketArticlesResponse* response) override;

 private:
  const Authenticator* auth_;
  KnowledgeBaseManager* knowledge_base_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_KNOWLEDGE_BASE_SERVICE_H_
