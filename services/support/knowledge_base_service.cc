#include "services/support/knowledge_base_service.h"

#include "common/handler.h"
#include "services/support/ticket_manager.h"

namespace tandem::support {

grpc::Status KnowledgeBaseServiceImpl::CreateCategory(grpc::ServerContext* context,
                                                      const v1::CreateCategoryRequest* request,
                                                      v1::Category* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->CreateCategory(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::GetCategory(grpc::ServerContext* context,
                                                   const v1::GetCategoryRequest* request,
                                                   v1::Category* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->GetCategory(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::ListCategories(grpc::ServerContext* context,
                                                      const v1::ListCategoriesRequest* request,
                                                      v1::ListCategoriesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->ListCategories(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::UpdateCategory(grpc::ServerContext* context,
                                                      const v1::UpdateCategoryRequest* request,
                                                      v1::Category* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->UpdateCategory(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::DeleteCategory(grpc::ServerContext* context,
                                                      const v1::DeleteCategoryRequest* request,
                                                      google::protobuf::Empty* /*response*/) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      return knowledge_base_->DeleteCategory(caller, *request, deadline);
                    });
}

grpc::Status KnowledgeBaseServiceImpl::CreateArticle(grpc::ServerContext* context,
                                                     const v1::CreateArticleRequest* request,
                                                     v1::Article* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->CreateArticle(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::GetArticle(grpc::ServerContext* context,
                                                  const v1::GetArticleRequest* request,
                                                  v1::Article* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->GetArticle(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::ListArticles(grpc::ServerContext* context,
                                                    const v1::ListArticlesRequest* request,
                                                    v1::ListArticlesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->ListArticles(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::UpdateArticle(grpc::ServerContext* context,
                                                     const v1::UpdateArticleRequest* request,
                                                     v1::Article* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->UpdateArticle(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::DeleteArticle(grpc::ServerContext* context,
                                                     const v1::DeleteArticleRequest* request,
                                                     google::protobuf::Empty* /*response*/) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      return knowledge_base_->DeleteArticle(caller, *request, deadline);
                    });
}

grpc::Status KnowledgeBaseServiceImpl::ListArticleVersions(
    grpc::ServerContext* context, const v1::ListArticleVersionsRequest* request,
    v1::ListArticleVersionsResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, knowledge_base_->ListArticleVersions(
                                                      caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::SearchArticles(grpc::ServerContext* context,
                                                      const v1::SearchArticlesRequest* request,
                                                      v1::SearchArticlesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->SearchArticles(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::VoteArticle(grpc::ServerContext* context,
                                                   const v1::VoteArticleRequest* request,
                                                   v1::Article* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->VoteArticle(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::RecordArticleView(
    grpc::ServerContext* context, const v1::RecordArticleViewRequest* request,
    v1::Article* response) {
  return HandleCall(
      *context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
      [&](const Principal& caller, absl::Time deadline) -> absl::Status {
        ASSIGN_OR_RETURN(*response, knowledge_base_->RecordArticleView(caller, *request, deadline));
        return absl::OkStatus();
      });
}

grpc::Status KnowledgeBaseServiceImpl::SuggestArticles(grpc::ServerContext* context,
                                                       const v1::SuggestArticlesRequest* request,
                                                       v1::SuggestArticlesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(
                          *response, knowledge_base_->SuggestArticles(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::LinkArticle(grpc::ServerContext* context,
                                                   const v1::LinkArticleRequest* request,
                                                   v1::TicketArticleLink* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       knowledge_base_->LinkArticle(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status KnowledgeBaseServiceImpl::UnlinkArticle(grpc::ServerContext* context,
                                                     const v1::UnlinkArticleRequest* request,
                                                     google::protobuf::Empty* /*response*/) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      return knowledge_base_->UnlinkArticle(caller, *request, deadline);
                    });
}

grpc::Status KnowledgeBaseServiceImpl::ListTicketArticles(
    grpc::ServerContext* context, const v1::ListTicketArticlesRequest* request,
    v1::ListTicketArticlesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, knowledge_base_->ListTicketArticles(
                                                      caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::support
